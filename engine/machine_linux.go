package engine

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

func detectPlatform(m *Machine) {
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.Chip = v
	} else if v := procField("/proc/cpuinfo", "Model"); v != "" { // arm boards
		m.Chip = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		if kb, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64); err == nil {
			m.MemoryBytes = kb * 1024
		}
	}
	if v := osRelease("/etc/os-release"); v != "" {
		m.OSVersion = v
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.OSVersion += " (kernel " + strings.TrimSpace(string(b)) + ")"
	}
}

// procField returns the value of the first "key: value" line with the given key.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func osRelease(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
