package power

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// nvmlDevice is what the NVML meter needs of one GPU. The real one calls libnvidia-ml through
// purego (nvml_linux.go); tests replay values recorded on a GPU.
type nvmlDevice interface {
	TotalEnergyMJ() (uint64, error) // millijoules since the driver loaded (Volta and later)
	PowerMW() (uint32, error)       // the board's draw now, milliwatts
	SMClockMHz() (uint32, error)
	Close() error
}

// NVML meters an NVIDIA GPU: its energy counter where the GPU has one, else its power draw,
// and its SM clock.
type NVML struct {
	dev     nvmlDevice
	energy  bool // the device counts energy
	cpuFreq func() float64
}

func newNVML(dev nvmlDevice, cpuFreq func() float64) (*NVML, error) {
	m := &NVML{dev: dev, cpuFreq: cpuFreq}
	if _, err := dev.TotalEnergyMJ(); err == nil {
		m.energy = true
	} else if _, err := dev.PowerMW(); err != nil {
		dev.Close()
		return nil, fmt.Errorf("nvml: the GPU reports neither energy nor power: %w", err)
	}
	return m, nil
}

func (m *NVML) Source() string { return SourceNVML }
func (m *NVML) Close() error   { return m.dev.Close() }

func (m *NVML) Read(ctx context.Context) (Reading, error) {
	if err := ctx.Err(); err != nil {
		return Reading{}, err
	}
	r := Reading{At: time.Now()}
	if m.energy {
		mj, err := m.dev.TotalEnergyMJ()
		if err != nil {
			return Reading{}, fmt.Errorf("nvml: energy: %w", err)
		}
		r.EnergyJ, r.HasEnergy = float64(mj)/1e3, true
	} else {
		mw, err := m.dev.PowerMW()
		if err != nil {
			return Reading{}, fmt.Errorf("nvml: power: %w", err)
		}
		r.Watts, r.HasWatts = float64(mw)/1e3, true
	}
	if mhz, err := m.dev.SMClockMHz(); err == nil {
		r.GPUMHz = float64(mhz)
	}
	if m.cpuFreq != nil {
		r.CPUMHz = m.cpuFreq()
	}
	return r, nil
}

// NVIDIASMI meters GPU 0 by running nvidia-smi for each reading: the fallback where
// libnvidia-ml cannot be loaded. nvidia-smi reports power draw, not energy.
type NVIDIASMI struct {
	Run     func(ctx context.Context) ([]byte, error) // nil runs nvidia-smi
	cpuFreq func() float64
	mu      sync.Mutex
}

// smiQuery is what NVIDIASMI asks for, in the order parseSMI reads.
var smiQuery = []string{"--query-gpu=power.draw,clocks.sm", "--format=csv,noheader,nounits", "--id=0"}

func runSMI(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "nvidia-smi", smiQuery...).Output()
}

func (m *NVIDIASMI) Source() string { return SourceNVIDIASMI }
func (m *NVIDIASMI) Close() error   { return nil }

func (m *NVIDIASMI) Read(ctx context.Context) (Reading, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	run := m.Run
	if run == nil {
		run = runSMI
	}
	out, err := run(ctx)
	if err != nil {
		return Reading{}, fmt.Errorf("nvidia-smi: %w", err)
	}
	r, err := parseSMI(string(out))
	if err != nil {
		return Reading{}, err
	}
	r.At = time.Now()
	if m.cpuFreq != nil {
		r.CPUMHz = m.cpuFreq()
	}
	return r, nil
}

// parseSMI reads nvidia-smi's "power.draw, clocks.sm" line (csv, no header, no units). A value
// the GPU does not report ("[N/A]") is left out; a line without power is an error.
func parseSMI(out string) (Reading, error) {
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	fields := strings.Split(line, ",")
	if len(fields) < 2 {
		return Reading{}, fmt.Errorf("nvidia-smi: want \"power.draw, clocks.sm\", got %q", line)
	}
	var r Reading
	w, err := strconv.ParseFloat(strings.TrimSpace(fields[0]), 64)
	if err != nil {
		return Reading{}, fmt.Errorf("nvidia-smi: power draw %q: %w", strings.TrimSpace(fields[0]), errors.ErrUnsupported)
	}
	r.Watts, r.HasWatts = w, true
	if mhz, err := strconv.ParseFloat(strings.TrimSpace(fields[1]), 64); err == nil {
		r.GPUMHz = mhz
	}
	return r, nil
}
