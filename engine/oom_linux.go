package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// markOOM notes the cgroup's out-of-memory kill count before a worker starts.
func markOOM() oomMark {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return oomMark{}
	}
	dir, v2 := cgroupMemoryDir(string(b))
	if dir == "" {
		return oomMark{}
	}
	file := filepath.Join(dir, "memory.oom_control")
	if v2 {
		file = filepath.Join(dir, "memory.events")
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return oomMark{}
	}
	n, ok := oomKillCount(string(text))
	if !ok {
		return oomMark{}
	}
	return oomMark{cgroupFile: file, cgroupKills: n}
}

// confirmOOM says whether the system recorded pid's SIGKILL as an out-of-memory kill, and
// where. The kernel log names the process, so where it is readable it decides; otherwise a
// rise in the cgroup's oom_kill count since the worker started counts.
func confirmOOM(m oomMark, pid int) (string, bool) {
	if found, readable := kernelLogOOM(pid); readable {
		if found {
			return "the kernel log records an out-of-memory kill of pid " + fmt.Sprint(pid), true
		}
		return "", false
	}
	if m.cgroupFile == "" {
		return "", false
	}
	text, err := os.ReadFile(m.cgroupFile)
	if err != nil {
		return "", false
	}
	if n, ok := oomKillCount(string(text)); ok && n > m.cgroupKills {
		return fmt.Sprintf("%s counts %d out-of-memory kills since the worker started", m.cgroupFile, n-m.cgroupKills), true
	}
	return "", false
}

// kernelLogOOM reads /dev/kmsg without blocking, record by record, for an out-of-memory kill
// of pid. readable is false where the log cannot be read (no root, no /dev/kmsg).
func kernelLogOOM(pid int) (found, readable bool) {
	fd, err := syscall.Open("/dev/kmsg", syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false, false
	}
	defer syscall.Close(fd)
	re := oomKillLine(pid)
	buf := make([]byte, 8192) // one record per read; a smaller buffer fails with EINVAL
	for range 1 << 20 {
		n, err := syscall.Read(fd, buf)
		switch {
		case errors.Is(err, syscall.EPIPE): // records overwritten while reading: go on
			continue
		case err != nil || n <= 0: // EAGAIN: the end of the log
			return found, true
		}
		rec := buf[:n]
		if i := bytes.IndexByte(rec, ';'); i >= 0 {
			rec = rec[i+1:]
		}
		if re.Match(rec) {
			found = true
		}
	}
	return found, true
}
