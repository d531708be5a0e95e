package agent

import (
	"context"
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

func newRig(t *testing.T, cfgs ...engine.Config) *controllerRig {
	t.Helper()
	env := testEnv(t, true)
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	cache := env.Getenv("XDG_CACHE_HOME")
	dir, err := app.UnpackWorker(resources.Worker(), cache)
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "agent.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Enqueue(context.Background(), QueueItems(cfgs)); err != nil {
		t.Fatal(err)
	}
	runner := engine.NewRunner(cat, engine.WorkerSpec{Python: env.Getenv("INFERBENCH_PYTHON"), Dir: dir})
	t.Cleanup(runner.Close)
	src := &scripted{r: idleOnAC()}
	policy := DefaultPolicy()
	policy.CooldownMax = 0
	ctl := NewController(ControllerConfig{Sensors: src, Runner: runner, Store: store, Catalog: cat,
		Machine: engine.DetectMachine(), Policy: policy, Poll: 100 * time.Millisecond, WaitPoll: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	rig := &controllerRig{ctl: ctl, store: store, sensors: src, cache: cache, done: make(chan error, 1), cancel: cancel}
	go func() { rig.done <- ctl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-rig.done })
	return rig
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

// A configuration long enough to be interrupted mid-measurement.
var longConfig = engine.Config{Model: "tiny-llama", Precision: "fp32", Weights: "random", Context: 256, Generate: 200,
	Batch: 8, Warmup: 0, Repeats: 6}

func TestControllerStopsWhenTheUserReturns(t *testing.T) {
	rig := newRig(t, longConfig)
	rig.ctl.Start()
	rig.waitFor(t, "the first repetition", 2*time.Minute, func(s Status) bool { return s.State == StateRunning && s.Rep >= 1 })

	t0 := time.Now()
	rig.sensors.set(func(r *sensors.Reading) { r.IdleSeconds = 2 })
	s := rig.waitFor(t, "waiting", time.Second, func(s Status) bool { return s.State == StateWaiting })
	if s.Reason != "user active (idle 2s of 5m0s)" {
		t.Errorf("reason %q", s.Reason)
	}
	for len(apptest.WorkersIn(rig.cache)) > 0 {
		if time.Since(t0) > time.Second {
			t.Fatalf("the worker outlived the user's return by %s", time.Since(t0))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if runs := rig.runs(t); len(runs) != 0 {
		t.Fatalf("an interrupted run was stored: %+v", runs)
	}

	// A stricter policy holds it back even when the user is away again...
	strict := DefaultPolicy()
	strict.CooldownMax = 0
	strict.IdleThreshold = 2 * time.Hour
	rig.ctl.SetPolicy(strict)
	rig.sensors.set(func(r *sensors.Reading) { r.IdleSeconds = 3600; r.Thermal = sensors.ThermalFair })
	rig.waitFor(t, "the stricter policy", 2*time.Second, func(s Status) bool { return s.Reason == "user active (idle 1h0m0s of 2h0m0s)" })
	// ...and the default lets it finish.
	strict.IdleThreshold = 5 * time.Minute
	rig.ctl.SetPolicy(strict)
	rig.waitFor(t, "the queue to empty", 3*time.Minute, func(s Status) bool { return s.Reason == "queue empty: nothing left to measure" })
	runs := rig.runs(t)
	if len(runs) != 1 || runs[0].Status != "ok" || runs[0].ThermalWorst != "fair" || runs[0].PowerSource != "ac" {
		t.Fatalf("after idle returned: %+v", runs)
	}
	full, _ := rig.store.Run(context.Background(), runs[0].ID)
	if len(full.Samples) != longConfig.Repeats {
		t.Fatalf("stored %d samples, want %d", len(full.Samples), longConfig.Repeats)
	}
}

func TestControllerPauseAndResume(t *testing.T) {
	quick := longConfig
	quick.Repeats = 3
	second := quick
	second.Context = 128
	rig := newRig(t, quick, second)

	events, unsubscribe := rig.ctl.Subscribe()
	defer unsubscribe()
	seen := make(chan []State, 1)
	go func() {
		var states []State
		for s := range events {
			if len(states) == 0 || states[len(states)-1] != s.State {
				states = append(states, s.State)
			}
			if len(states) >= 4 {
				break
			}
		}
		seen <- states
	}()

	if s := rig.ctl.Status(); s.State != StateStopped {
		t.Fatalf("a new controller is %s, want stopped", s.State)
	}
	rig.ctl.Start()
	rig.waitFor(t, "running", 2*time.Minute, func(s Status) bool { return s.State == StateRunning && s.Rep >= 1 })
	rig.ctl.Pause()
	rig.waitFor(t, "paused", time.Second, func(s Status) bool { return s.State == StatePaused })
	if len(apptest.WorkersIn(rig.cache)) > 0 {
		time.Sleep(200 * time.Millisecond)
		if len(apptest.WorkersIn(rig.cache)) > 0 {
			t.Fatal("a worker is still measuring while paused")
		}
	}
	for _, r := range rig.runs(t) {
		full, _ := rig.store.Run(context.Background(), r.ID)
		if len(full.Samples) != r.Repeats {
			t.Fatalf("a partial run was stored while pausing: %+v", r)
		}
	}
	rig.ctl.Start()
	rig.waitFor(t, "the queue to empty", 3*time.Minute, func(s Status) bool { return s.Reason == "queue empty: nothing left to measure" })
	runs := rig.runs(t)
	if len(runs) != 2 {
		t.Fatalf("%d runs after resume, want 2", len(runs))
	}
	for _, r := range runs {
		if full, _ := rig.store.Run(context.Background(), r.ID); r.Status != "ok" || len(full.Samples) != 3 {
			t.Fatalf("run %+v", r)
		}
	}
	state, err := rig.store.GetAgentState(context.Background())
	if err != nil || state.State != "waiting" || state.Pending != 0 {
		t.Fatalf("published state %+v, %v", state, err)
	}
	select {
	case states := <-seen:
		if states[0] != StateStopped && states[0] != StateRunning && states[0] != StateWaiting {
			t.Errorf("first states %v", states)
		}
	case <-time.After(time.Second):
		t.Fatal("no status events reached the subscriber")
	}
}

func TestPolicy(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		name   string
		edit   func(*sensors.Reading)
		ok     bool
		reason string
	}{
		{"idle on AC and cool", func(*sensors.Reading) {}, true, ""},
		{"on battery", func(r *sensors.Reading) { r.Power = sensors.PowerBattery }, false, "on battery"},
		{"unknown power", func(r *sensors.Reading) { r.Power = sensors.PowerUnknown }, false, "power source unknown"},
		{"user active", func(r *sensors.Reading) { r.IdleSeconds = 30 }, false, "user active (idle 30s of 5m0s)"},
		{"unknown idle", func(r *sensors.Reading) { r.IdleSeconds = -1 }, false, "idle time unknown"},
		{"fair is fine", func(r *sensors.Reading) { r.Thermal = sensors.ThermalFair }, true, ""},
		{"serious", func(r *sensors.Reading) { r.Thermal = sensors.ThermalSerious }, false, "too hot (serious)"},
		{"unknown thermal", func(r *sensors.Reading) { r.Thermal = sensors.ThermalUnknown }, false, "thermal state unknown"},
		{"low-power mode", func(r *sensors.Reading) { r.LowPower = sensors.True }, false, "low-power mode is on"},
		{"unknown low-power mode", func(r *sensors.Reading) { r.LowPower = sensors.Unknown }, true, ""},
	}
	for _, tt := range tests {
		r := idleOnAC()
		tt.edit(&r)
		ok, reason := p.Check(r)
		if ok != tt.ok || reason != tt.reason {
			t.Errorf("%s: Check = %v %q, want %v %q", tt.name, ok, reason, tt.ok, tt.reason)
		}
	}
	if err := (Policy{MaxThermal: "warm"}).Validate(); err == nil {
		t.Error("a made-up thermal limit validated")
	}
}

func testEnv(t *testing.T, needWorker bool) app.Env { return apptest.Env(t, needWorker) }
