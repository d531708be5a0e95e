package engine

import (
	"os/exec"
	"strconv"
	"strings"
)

// On macOS the chip, memory and version come from sysctl and sw_vers, which every Mac has;
// exec keeps this file free of cgo.
func detectPlatform(m *Machine) {
	if v := command("sysctl", "-n", "machdep.cpu.brand_string"); v != "" {
		m.Chip = v
	}
	if v := command("sysctl", "-n", "hw.memsize"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			m.MemoryBytes = n
		}
	}
	if v := command("sw_vers", "-productVersion"); v != "" {
		m.OSVersion = "macOS " + v
	}
}

func command(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
