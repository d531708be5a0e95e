package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/sensors"
	"github.com/inferbench/inferbench/storage"
)

// readings is a sensor source that plays a list of readings, then repeats the last.
type readings struct {
	mu sync.Mutex
	rs []sensors.Reading
}

func (s *readings) Read(context.Context) (sensors.Reading, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rs[0]
	if len(s.rs) > 1 {
		s.rs = s.rs[1:]
	}
	return r, nil
}

func reading(t sensors.Thermal, p sensors.Power) sensors.Reading {
	return sensors.Reading{IdleSeconds: 600, Power: p, Thermal: t, LowPower: sensors.False}
}

// Bench.Measure stores a complete run with the conditions around it, and nothing of a run cut
// short or refused.
func TestBenchMeasure(t *testing.T) {
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{Model: "tiny-gpt2", Precision: "fp32", Weights: "random", Context: 8, Generate: 4, Batch: 1, Repeats: 2}
	errTooHot := errors.New("too hot")
	tests := []struct {
		name     string
		outcome  string
		hold     bool
		sensors  []sensors.Reading
		check    func(sensors.Reading) error
		cancel   bool
		wantErr  func(error) bool
		wantRun  bool
		wantCond [3]string // thermal worst, power source, status
	}{
		{name: "a complete run is stored with the worst thermal state and battery",
			sensors: []sensors.Reading{reading(sensors.ThermalNominal, sensors.PowerAC), reading(sensors.ThermalSerious, sensors.PowerBattery),
				reading(sensors.ThermalFair, sensors.PowerAC)},
			wantRun: true, wantCond: [3]string{"serious", "battery", "ok"}},
		{name: "an out-of-memory result is a stored run", outcome: "oom",
			sensors: []sensors.Reading{reading(sensors.ThermalNominal, sensors.PowerAC)},
			wantRun: true, wantCond: [3]string{"nominal", "ac", "oom"}},
		{name: "a refused configuration stores nothing", outcome: "invalid",
			sensors: []sensors.Reading{reading(sensors.ThermalNominal, sensors.PowerAC)},
			wantErr: app.IsInvalid},
		{name: "a check that fails stops the run and stores nothing", hold: true,
			sensors: []sensors.Reading{reading(sensors.ThermalNominal, sensors.PowerAC), reading(sensors.ThermalCritical, sensors.PowerAC)},
			check: func(r sensors.Reading) error {
				if r.Thermal == sensors.ThermalCritical {
					return errTooHot
				}
				return nil
			},
			wantErr: func(err error) bool { return errors.Is(err, errTooHot) }},
		{name: "cancelling stops the run and stores nothing", hold: true, cancel: true,
			sensors: []sensors.Reading{reading(sensors.ThermalNominal, sensors.PowerAC)},
			wantErr: func(err error) bool { return errors.Is(err, context.Canceled) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "bench.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			m := &apptest.Measurer{Outcomes: map[string]string{cfg.Label(): tt.outcome}}
			if tt.hold {
				m.Hold = make(chan struct{})
			}
			b := &app.Bench{Measurer: m, Store: store, Catalog: cat, Machine: engine.DetectMachine(), Sensors: &readings{rs: tt.sensors}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				go func() {
					for m.Running() == "" {
						time.Sleep(time.Millisecond)
					}
					cancel()
				}()
			}
			run, err := b.Measure(ctx, cfg, app.Hooks{Check: tt.check, Poll: 5 * time.Millisecond})
			stored, lerr := store.Runs(context.Background(), storage.RunFilter{})
			if lerr != nil {
				t.Fatal(lerr)
			}
			if !tt.wantRun {
				if err == nil || !tt.wantErr(err) || run != nil || len(stored) != 0 {
					t.Fatalf("Measure = %v, %v with %d stored; want the error and nothing stored", run, err, len(stored))
				}
				return
			}
			if err != nil || len(stored) != 1 || stored[0].ID != run.ID {
				t.Fatalf("Measure = %v, %v with %d stored; want one stored run", run, err, len(stored))
			}
			if got := [3]string{stored[0].ThermalWorst, stored[0].PowerSource, stored[0].Status}; got != tt.wantCond {
				t.Errorf("stored thermal worst, power, status = %v, want %v", got, tt.wantCond)
			}
		})
	}
}
