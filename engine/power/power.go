// Package power reads what a run cost and how fast the chip ran while it did: energy counters or
// power draw (RAPL on Linux CPUs, NVML or nvidia-smi on NVIDIA GPUs, IOReport on Apple silicon)
// and CPU and GPU clocks. A Sampler reads a Meter in a goroutine of the owning process while
// the worker measures; Summarize integrates the readings over each repetition's wall-clock
// window afterwards, so nothing is added to the loop being timed.
package power

import (
	"context"
	"sync"
	"time"
)

// Sources of energy readings, as power_source_meter records them.
const (
	SourceIOReport  = "ioreport"
	SourceNVML      = "nvml"
	SourceNVIDIASMI = "nvidia-smi"
	SourceRAPL      = "rapl"
	SourceUnknown   = "unknown"
)

// Reading is a meter's state at one moment. A meter counts energy (EnergyJ grows from an
// arbitrary origin), reports instantaneous power, or neither; clocks are 0 when unknown.
type Reading struct {
	At                  time.Time
	EnergyJ             float64 // cumulative joules, when HasEnergy
	Watts               float64 // power draw at At, when HasWatts
	CPUMHz              float64 // the fastest core's clock
	GPUMHz              float64 // the GPU's (NVIDIA: SM) clock
	HasEnergy, HasWatts bool
}

// A Meter reads energy and clocks. Source names what its energy comes from (one of the Source
// constants); a meter that reads only clocks says SourceUnknown.
type Meter interface {
	Source() string
	Read(ctx context.Context) (Reading, error)
	Close() error
}

// Sampler reads a meter every interval in its own goroutine until Stop.
type Sampler struct {
	mu       sync.Mutex
	readings []Reading
	cancel   context.CancelFunc
	done     chan struct{}
}

// Start reads m at once and then every interval. A read that fails is skipped: a meter that
// stops answering leaves a gap, not a failed run.
func Start(ctx context.Context, m Meter, interval time.Duration) *Sampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &Sampler{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if r, err := m.Read(ctx); err == nil {
				s.mu.Lock()
				s.readings = append(s.readings, r)
				s.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// Stop takes one last reading with m, ends the goroutine and returns every reading in time
// order. The last reading closes the final repetition's window.
func (s *Sampler) Stop(ctx context.Context, m Meter) []Reading {
	s.cancel()
	<-s.done
	if r, err := m.Read(ctx); err == nil {
		s.readings = append(s.readings, r)
	}
	return s.readings
}

// clocksOnly is the meter of a machine without a readable energy source: it still reads clocks.
type clocksOnly struct{ clocks func() (cpu, gpu float64) }

func (c clocksOnly) Source() string { return SourceUnknown }
func (c clocksOnly) Close() error   { return nil }
func (c clocksOnly) Read(ctx context.Context) (Reading, error) {
	if err := ctx.Err(); err != nil {
		return Reading{}, err
	}
	r := Reading{At: time.Now()}
	if c.clocks != nil {
		r.CPUMHz, r.GPUMHz = c.clocks()
	}
	return r, nil
}
