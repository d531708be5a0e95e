package power

import (
	"context"
	"os/exec"
)

// Detect returns this machine's best meter: NVML on an NVIDIA GPU, nvidia-smi where the library
// cannot be loaded, RAPL where its counters are readable, else one that reads only the CPU
// clock. Notes say what was tried and why it was passed over.
func Detect(ctx context.Context) (Meter, []string) {
	cpu := func() float64 { return CPUFreq("/") }
	var notes []string
	if dev, err := openNVML(); err == nil {
		if m, err := newNVML(dev, cpu); err == nil {
			return m, notes
		} else {
			notes = append(notes, err.Error())
		}
	} else {
		notes = append(notes, err.Error())
	}
	if _, err := exec.LookPath("nvidia-smi"); err == nil {
		m := &NVIDIASMI{cpuFreq: cpu}
		if _, err := m.Read(ctx); err == nil {
			return m, notes
		} else {
			notes = append(notes, err.Error())
		}
	}
	r, err := OpenRAPL("/")
	if err == nil {
		r.Clocks = func() (float64, float64) { return cpu(), 0 }
		return r, notes
	}
	notes = append(notes, err.Error())
	return clocksOnly{func() (float64, float64) { return cpu(), 0 }}, notes
}
