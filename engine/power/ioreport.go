package power

import (
	"fmt"
	"strings"
	"time"
)

// IOReport's channels, as macOS's own powermetrics reads them. They are read on macOS through
// purego (ioreport_darwin.go); what is made of them is plain Go, tested on any platform with
// recorded samples.
const (
	ioEnergyGroup = "Energy Model"
	ioCPUGroup    = "CPU Stats"
	ioCPUCores    = "CPU Core Performance States"
	ioGPUGroup    = "GPU Stats"
	ioGPUStates   = "GPU Performance States"
)

// ioChannel is one channel of the difference between two IOReport samples.
type ioChannel struct {
	Group    string    `json:"group"`
	Subgroup string    `json:"subgroup"`
	Name     string    `json:"name"`
	Unit     string    `json:"unit"`
	Value    int64     `json:"value"`  // simple channels: energy in Unit
	States   []ioState `json:"states"` // state channels: time in each performance state
}

type ioState struct {
	Name      string `json:"name"`
	Residency int64  `json:"residency"`
}

// dvfs are the frequencies, in MHz, of the performance states of the CPU's performance
// cluster and of the GPU, in state order, as the pmgr device's voltage-states tables list them.
type dvfs struct{ PCPU, GPU []float64 }

// ioJoules converts an Energy Model value to joules by its unit label: CPU, ANE and DRAM
// channels count mJ, the GPU's nJ, and some chips report µJ.
func ioJoules(v int64, unit string) (float64, error) {
	switch strings.TrimSpace(unit) {
	case "mJ":
		return float64(v) / 1e3, nil
	case "uJ", "µJ":
		return float64(v) / 1e6, nil
	case "nJ":
		return float64(v) / 1e9, nil
	}
	return 0, fmt.Errorf("ioreport: energy channel in unknown unit %q", unit)
}

// ioEnergy is the energy of one delta: the CPU (all clusters; "DIE_n_CPU Energy" on Ultra
// chips), GPU, ANE and DRAM channels. Per-cluster and per-core channels repeat parts of these
// and are not added again.
func ioEnergy(chs []ioChannel) (float64, bool, error) {
	var total float64
	found := false
	for _, c := range chs {
		if c.Group != ioEnergyGroup {
			continue
		}
		n := c.Name
		if !(n == "GPU Energy" || strings.HasSuffix(n, "CPU Energy") || strings.HasPrefix(n, "ANE") || strings.HasPrefix(n, "DRAM")) {
			continue
		}
		j, err := ioJoules(c.Value, c.Unit)
		if err != nil {
			return 0, false, err
		}
		total += j
		found = true
	}
	return total, found, nil
}

// ioFreq is the average frequency over a channel's active states, weighted by time in each:
// the states past the idle ones (IDLE, DOWN, OFF) pair with freqs in order. False when the
// channel was idle throughout or its states do not fit the table.
func ioFreq(states []ioState, freqs []float64) (float64, bool) {
	off := 0
	for off < len(states) && (states[off].Name == "IDLE" || states[off].Name == "DOWN" || states[off].Name == "OFF") {
		off++
	}
	if len(freqs) == 0 || len(states)-off < len(freqs) {
		return 0, false
	}
	var busy, sum float64
	for i, f := range freqs {
		r := float64(states[off+i].Residency)
		busy += r
		sum += r * f
	}
	if busy <= 0 {
		return 0, false
	}
	return sum / busy, true
}

// ioClocks reads the clocks of one delta: the fastest performance core's average and the GPU's.
func ioClocks(chs []ioChannel, t dvfs) (cpu, gpu float64) {
	for _, c := range chs {
		switch {
		case c.Group == ioCPUGroup && c.Subgroup == ioCPUCores && strings.Contains(c.Name, "PCPU"):
			if f, ok := ioFreq(c.States, t.PCPU); ok {
				cpu = max(cpu, f)
			}
		case c.Group == ioGPUGroup && c.Subgroup == ioGPUStates && c.Name == "GPUPH" && len(t.GPU) > 1:
			// The table's first entry is the GPU switched off, which the OFF state covers.
			if f, ok := ioFreq(c.States, t.GPU[1:]); ok {
				gpu = f
			}
		}
	}
	return cpu, gpu
}

// ioMeter turns successive IOReport deltas into readings: energy accumulates from the first
// delta on, clocks are each delta's averages.
type ioMeter struct {
	table dvfs
	total float64
}

func (m *ioMeter) add(at time.Time, delta []ioChannel) (Reading, error) {
	j, ok, err := ioEnergy(delta)
	if err != nil {
		return Reading{}, err
	}
	if !ok {
		return Reading{}, fmt.Errorf("ioreport: no %s channels in the sample", ioEnergyGroup)
	}
	m.total += j
	r := Reading{At: at, EnergyJ: m.total, HasEnergy: true}
	r.CPUMHz, r.GPUMHz = ioClocks(delta, m.table)
	return r, nil
}

// parseDVFS reads a voltage-states table: pairs of little-endian uint32 (frequency, voltage),
// the frequency in Hz on M1 to M3 CPUs and on every GPU, in kHz on later CPUs; scale divides
// it down to MHz.
func parseDVFS(b []byte, scale float64) []float64 {
	var out []float64
	for i := 0; i+8 <= len(b); i += 8 {
		f := uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16 | uint32(b[i+3])<<24
		out = append(out, float64(f)/scale)
	}
	return out
}
