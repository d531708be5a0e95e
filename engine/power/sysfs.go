package power

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RAPL reads Linux's powercap energy counters (Intel RAPL, and AMD's through the same driver):
// the sum of the top-level package zones, which cover the cores, caches and memory controller
// of each socket. It builds everywhere so its tests run on fixture trees. Counters wrap at
// max_energy_range_uj; RAPL keeps the previous value of each zone to carry over a wrap, so use
// one value for successive Reads.
type RAPL struct {
	Root  string // "/" normally, a fixture tree in tests
	zones []string
	mu    sync.Mutex
	last  map[string]uint64
	total float64 // joules since the first Read
	// Clocks, when set, adds clock readings to every Read.
	Clocks func() (cpu, gpu float64)
}

// OpenRAPL finds the package zones under root and reads them once; it fails when there are
// none or they cannot be read (since Linux 5.10 energy_uj is readable by root only).
func OpenRAPL(root string) (*RAPL, error) {
	dir := filepath.Join(root, "sys/class/powercap")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("rapl: %w", err)
	}
	r := &RAPL{Root: root, last: map[string]uint64{}}
	for _, e := range entries {
		// Top-level zones are intel-rapl:0, intel-rapl:1; their subzones (intel-rapl:0:0) are
		// parts of them and would be counted twice.
		name := e.Name()
		if strings.Count(name, ":") != 1 {
			continue
		}
		zone := filepath.Join(dir, name)
		kind, _ := os.ReadFile(filepath.Join(zone, "name"))
		if !strings.HasPrefix(strings.TrimSpace(string(kind)), "package") {
			continue
		}
		r.zones = append(r.zones, zone)
	}
	if len(r.zones) == 0 {
		return nil, errors.New("rapl: no package zones under " + dir)
	}
	if _, err := r.Read(context.Background()); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *RAPL) Source() string { return SourceRAPL }
func (r *RAPL) Close() error   { return nil }

// Read adds each zone's increase since the last Read to the running total.
func (r *RAPL) Read(ctx context.Context) (Reading, error) {
	if err := ctx.Err(); err != nil {
		return Reading{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	at := time.Now()
	for _, z := range r.zones {
		uj, err := readUint(filepath.Join(z, "energy_uj"))
		if err != nil {
			return Reading{}, fmt.Errorf("rapl: %w", err)
		}
		if prev, ok := r.last[z]; ok {
			delta := uj - prev
			if uj < prev { // wrapped
				wrap, err := readUint(filepath.Join(z, "max_energy_range_uj"))
				if err != nil {
					return Reading{}, fmt.Errorf("rapl: counter wrapped and its range is unreadable: %w", err)
				}
				delta = wrap - prev + uj
			}
			r.total += float64(delta) / 1e6
		}
		r.last[z] = uj
	}
	rd := Reading{At: at, EnergyJ: r.total, HasEnergy: true}
	if r.Clocks != nil {
		rd.CPUMHz, rd.GPUMHz = r.Clocks()
	}
	return rd, nil
}

// CPUFreq returns the fastest core's current clock in MHz from cpufreq under root, or 0 where
// cpufreq is absent (many virtual machines and containers).
func CPUFreq(root string) float64 {
	paths, _ := filepath.Glob(filepath.Join(root, "sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_cur_freq"))
	var best uint64
	for _, p := range paths {
		if khz, err := readUint(p); err == nil {
			best = max(best, khz)
		}
	}
	return float64(best) / 1000
}

func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
