package engine

import (
	"os"
	"runtime"
)

// Machine describes the computer a run was measured on. Software versions and the backend come
// from the worker's hello, since they belong to the Python environment, not the machine.
type Machine struct {
	Chip        string // CPU or Apple chip name
	Cores       int
	MemoryBytes int64
	OS          string // linux, darwin
	OSVersion   string
	Arch        string
	Hostname    string
}

// DetectMachine reads the machine's fingerprint; fields it cannot read are left "unknown" or zero.
func DetectMachine() Machine {
	m := Machine{Chip: "unknown", OS: runtime.GOOS, OSVersion: "unknown", Arch: runtime.GOARCH, Cores: runtime.NumCPU()}
	if h, err := os.Hostname(); err == nil {
		m.Hostname = h
	}
	detectPlatform(&m)
	return m
}
