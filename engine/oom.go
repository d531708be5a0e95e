package engine

import (
	"bufio"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// oomMark is what the system's out-of-memory records said when a worker started, so that a
// later SIGKILL can be told apart: the kernel's out-of-memory killer and macOS's jetsam both
// send SIGKILL, and so does anyone running `kill -9`.
type oomMark struct {
	started     time.Time
	cgroupFile  string // memory.events (cgroup v2) or memory.oom_control (v1); "" when unreadable
	cgroupKills int64
}

// oomKillCount reads the oom_kill count from a cgroup's memory.events (v2) or
// memory.oom_control (v1): lines of "key value".
func oomKillCount(text string) (int64, bool) {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "oom_kill" {
			n, err := strconv.ParseInt(f[1], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// cgroupMemoryDir finds the memory controller's folder of a process from /proc/self/cgroup's
// text: the unified hierarchy ("0::/path") or v1's "N:memory:/path".
func cgroupMemoryDir(procCgroup string) (dir string, v2 bool) {
	var unified string
	for _, line := range strings.Split(procCgroup, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				return "/sys/fs/cgroup/memory" + parts[2], false
			}
		}
		if parts[0] == "0" && parts[1] == "" {
			unified = "/sys/fs/cgroup" + parts[2]
		}
	}
	return unified, unified != ""
}

// oomKillLine matches the kernel's report of an out-of-memory kill of pid: "Out of memory:
// Killed process 1234 (python)", "Memory cgroup out of memory: Killed process 1234", or the
// "oom-kill:...,pid=1234," summary.
func oomKillLine(pid int) *regexp.Regexp {
	p := strconv.Itoa(pid)
	return regexp.MustCompile(`(?i)(out of memory: killed process ` + p + `\b)|(oom-kill:.*[,:]pid=` + p + `[,\s]|oom-kill:.*[,:]pid=` + p + `$)`)
}
