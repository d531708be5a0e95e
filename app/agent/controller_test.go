package agent

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
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

// scripted is a sensor source whose readings a test sets: the same interface the platform
// sensors implement.
type scripted struct {
	mu sync.Mutex
	r  sensors.Reading
}

func (s *scripted) Read(context.Context) (sensors.Reading, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.r
	r.At = time.Now()
	return r, nil
}

func (s *scripted) set(f func(*sensors.Reading)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.r)
}

func idleOnAC() sensors.Reading {
	return sensors.Reading{IdleSeconds: 3600, Power: sensors.PowerAC, Thermal: sensors.ThermalNominal, LowPower: sensors.False}
}

type controllerRig struct {
	ctl     *Controller
	store   *storage.DB
	sensors *scripted
	cache   string
	done    chan error
	cancel  context.CancelFunc
}

// newRig runs a controller over a real worker and a queue of cfgs.
func newRig(t *testing.T, cfgs ...engine.Config) *controllerRig {
	t.Helper()
	env := testEnv(t, true)
	cache := env.Getenv("XDG_CACHE_HOME")
	dir, err := app.UnpackWorker(resources.Worker(), cache)
	if err != nil {
		t.Fatal(err)
	}
	runner := engine.NewRunner(catalog(t), engine.WorkerSpec{Python: env.Getenv("INFERBENCH_PYTHON"), Dir: dir})
	t.Cleanup(runner.Close)
	rig := newRigWith(t, app.FromRunner(runner), cfgs...)
	rig.cache = cache
	return rig
}

// newRigWith runs a controller over m, a real SQLite file and a queue of cfgs, with scripted
// sensors that start idle, on AC and cool.
func newRigWith(t *testing.T, m app.Measurer, cfgs ...engine.Config) *controllerRig {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "agent.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Enqueue(context.Background(), QueueItems(catalog(t), cfgs)); err != nil {
		t.Fatal(err)
	}
	src := &scripted{r: idleOnAC()}
	policy := DefaultPolicy()
	policy.CooldownMax = 0
	bench := &app.Bench{Measurer: m, Store: store, Catalog: catalog(t), Machine: engine.DetectMachine(), Sensors: src}
	ctl := NewController(ControllerConfig{Bench: bench, Policy: policy, Poll: 20 * time.Millisecond, WaitPoll: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	rig := &controllerRig{ctl: ctl, store: store, sensors: src, done: make(chan error, 1), cancel: cancel}
	go func() { rig.done <- ctl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-rig.done })
	return rig
}

func catalog(t *testing.T) *engine.Catalog {
	t.Helper()
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// waitFor polls the controller's status until cond holds.
func (r *controllerRig) waitFor(t *testing.T, what string, within time.Duration, cond func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if s := r.ctl.Status(); cond(s) {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("waited %s for %s; status %+v", within, what, r.ctl.Status())
	return Status{}
}

func (r *controllerRig) runs(t *testing.T) []storage.Run {
	t.Helper()
	runs, err := r.store.Runs(context.Background(), storage.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// statuses maps each stored run's configuration to its status.
func (r *controllerRig) statuses(t *testing.T) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, run := range r.runs(t) {
		got[fmt.Sprintf("%s %s ctx %d batch %d gen %d", run.Model, run.Precision, run.Context, run.Batch, run.Generate)] = run.Status
	}
	return got
}

func queued(model string, ctx, batch int) engine.Config {
	return engine.Config{Model: model, Precision: "fp32", Weights: "random", Context: ctx, Generate: 4, Batch: batch,
		Warmup: 0, Repeats: 2}
}

// The controller's decisions, against a scripted measurer: what runs, what is stored, and what
// stays queued when a run is cut short.
func TestControllerLogic(t *testing.T) {
	small, large, other := queued("tiny-llama", 16, 1), queued("tiny-llama", 32, 2), queued("tiny-gpt2", 16, 1)
	idle := func(r *controllerRig, t *testing.T) {
		r.waitFor(t, "the queue to empty", 10*time.Second, func(s Status) bool { return s.Reason == "queue empty: nothing left to measure" })
	}
	tests := []struct {
		name     string
		queue    []engine.Config
		outcomes map[string]string
		hold     bool
		script   func(*controllerRig, *testing.T, *apptest.Measurer)
		want     map[string]string // stored status by configuration
		wantRan  []string
	}{
		{
			name: "measures the queue in order", queue: []engine.Config{small, other},
			script:  func(r *controllerRig, t *testing.T, _ *apptest.Measurer) { r.ctl.Start(); idle(r, t) },
			want:    map[string]string{small.Label(): "ok", other.Label(): "ok"},
			wantRan: []string{small.Label(), other.Label()},
		},
		{
			name: "out of memory rules out what needs more", queue: []engine.Config{small, large, other},
			outcomes: map[string]string{small.Label(): "oom"},
			script:   func(r *controllerRig, t *testing.T, _ *apptest.Measurer) { r.ctl.Start(); idle(r, t) },
			want:     map[string]string{small.Label(): "oom", large.Label(): "skipped", other.Label(): "ok"},
			wantRan:  []string{small.Label(), other.Label()},
		},
		{
			name: "a configuration MLX refuses is dropped, not stored", queue: []engine.Config{small, other},
			outcomes: map[string]string{small.Label(): "invalid"},
			script:   func(r *controllerRig, t *testing.T, _ *apptest.Measurer) { r.ctl.Start(); idle(r, t) },
			want:     map[string]string{other.Label(): "ok"},
			wantRan:  []string{small.Label(), other.Label()},
		},
		{
			name: "pause cuts the run short and resume measures it again", queue: []engine.Config{small}, hold: true,
			script: func(r *controllerRig, t *testing.T, m *apptest.Measurer) {
				r.ctl.Start()
				r.waitFor(t, "running", 10*time.Second, func(s Status) bool { return s.State == StateRunning && s.Rep >= 1 })
				r.ctl.Pause()
				r.waitFor(t, "paused", 10*time.Second, func(s Status) bool { return s.State == StatePaused && s.Reason == "paused by the user" })
				waitIdle(t, m)
				if got := r.statuses(t); len(got) != 0 {
					t.Fatalf("stored while pausing: %v", got)
				}
				r.ctl.Start()
				r.waitFor(t, "running again", 10*time.Second, func(s Status) bool { return s.State == StateRunning && s.Rep >= 1 })
				m.Hold <- struct{}{}
				idle(r, t)
			},
			want:    map[string]string{small.Label(): "ok"},
			wantRan: []string{small.Label(), small.Label()},
		},
		{
			name: "the user's return stops the run and keeps it queued", queue: []engine.Config{small}, hold: true,
			script: func(r *controllerRig, t *testing.T, m *apptest.Measurer) {
				r.ctl.Start()
				r.waitFor(t, "running", 10*time.Second, func(s Status) bool { return s.State == StateRunning && s.Rep >= 1 })
				r.sensors.set(func(s *sensors.Reading) { s.IdleSeconds = 2 })
				r.waitFor(t, "waiting", 10*time.Second, func(s Status) bool {
					return s.State == StateWaiting && s.Reason == "user active (idle 2s of 5m0s)"
				})
				waitIdle(t, m)
				if got := r.statuses(t); len(got) != 0 {
					t.Fatalf("stored after the user returned: %v", got)
				}
				r.sensors.set(func(s *sensors.Reading) { s.IdleSeconds = 3600 })
				r.waitFor(t, "running again", 10*time.Second, func(s Status) bool { return s.State == StateRunning && s.Rep >= 1 })
				m.Hold <- struct{}{}
				idle(r, t)
			},
			want:    map[string]string{small.Label(): "ok"},
			wantRan: []string{small.Label(), small.Label()},
		},
		{
			name: "stop cuts the run short and stores nothing", queue: []engine.Config{small}, hold: true,
			script: func(r *controllerRig, t *testing.T, m *apptest.Measurer) {
				r.ctl.Start()
				r.waitFor(t, "running", 10*time.Second, func(s Status) bool { return s.State == StateRunning })
				r.ctl.Stop()
				r.waitFor(t, "stopped", 10*time.Second, func(s Status) bool { return s.State == StateStopped })
				waitIdle(t, m)
			},
			want:    map[string]string{},
			wantRan: []string{small.Label()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &apptest.Measurer{Outcomes: tt.outcomes}
			if tt.hold {
				m.Hold = make(chan struct{})
			}
			r := newRigWith(t, m, tt.queue...)
			tt.script(r, t, m)
			if got := r.statuses(t); !maps.Equal(got, tt.want) {
				t.Errorf("stored %v, want %v", got, tt.want)
			}
			if got := m.Ran(); !slices.Equal(got, tt.wantRan) {
				t.Errorf("ran %v, want %v", got, tt.wantRan)
			}
		})
	}
}

// A configuration this machine measured with the same MLX is not measured again, by this agent
// or the next.
func TestControllerSkipsWhatIsStored(t *testing.T) {
	cfg := queued("tiny-llama", 16, 1)
	m := &apptest.Measurer{}
	r := newRigWith(t, m, cfg)
	r.ctl.Start()
	r.waitFor(t, "the queue to empty", 10*time.Second, func(s Status) bool { return s.Reason == "queue empty: nothing left to measure" })
	r.cancel()
	<-r.done
	r.done <- nil // for the cleanup

	again := &apptest.Measurer{}
	bench := &app.Bench{Measurer: again, Store: r.store, Catalog: catalog(t), Machine: engine.DetectMachine(), Sensors: r.sensors}
	ctl := NewController(ControllerConfig{Bench: bench, Policy: Policy{MaxThermal: sensors.ThermalFair}, Once: true,
		Poll: 20 * time.Millisecond, WaitPoll: 20 * time.Millisecond})
	ctl.Start()
	if err := ctl.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ran := again.Ran(); len(ran) != 0 {
		t.Fatalf("measured again: %v", ran)
	}
}

// waitIdle waits for the scripted measurer to return from the run it was in.
func waitIdle(t *testing.T, m *apptest.Measurer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for m.Running() != "" {
		if time.Now().After(deadline) {
			t.Fatalf("the run of %s was not cut short", m.Running())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The agent measures a queued configuration exactly as it was queued, every setting kept, and
// once stored it counts as measured.
func TestControllerMeasuresTheWholeQueuedConfiguration(t *testing.T) {
	full := engine.Config{Model: "tiny-llama", Precision: "fp16", Weights: "random", Context: 16, Generate: 4, Batch: 2,
		Warmup: 1, Repeats: 4, Processes: 2, Seed: 9, MemoryLimit: 1 << 30, Timeout: 3 * time.Minute}
	adaptive := engine.Config{Model: "tiny-gpt2", Precision: "fp32", Weights: "auto", Context: 8, Generate: 3, Batch: 1,
		Repeats: 6, TargetCI: 0.05, MinRepeats: 3, Timeout: time.Minute}
	for _, cfg := range []engine.Config{full, adaptive} {
		t.Run(cfg.Label(), func(t *testing.T) {
			m := &apptest.Measurer{}
			r := newRigWith(t, m, cfg)
			r.ctl.Start()
			r.waitFor(t, "the queue to empty", 10*time.Second, func(s Status) bool { return s.Reason == "queue empty: nothing left to measure" })
			if got := m.Configs(); len(got) != 1 || got[0] != cfg {
				t.Fatalf("measured %+v\nqueued   %+v", got, cfg)
			}
			runs := r.runs(t)
			if len(runs) != 1 || runs[0].Key() != app.Key(catalog(t), cfg) {
				t.Fatalf("stored %+v, want the key %+v", runs, app.Key(catalog(t), cfg))
			}
			pending, err := PendingWork(context.Background(), r.store, catalog(t), engine.DetectMachine(), mustHello(t, m))
			if err != nil || len(pending) != 0 {
				t.Fatalf("pending after the run: %+v, %v", pending, err)
			}
		})
	}
}

func mustHello(t *testing.T, m app.Measurer) engine.Hello {
	t.Helper()
	h, err := m.Hello(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}
