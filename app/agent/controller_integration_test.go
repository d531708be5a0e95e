package agent

import (
	"context"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/sensors"
)

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
	for len(apptest.WorkersIn(t, rig.cache)) > 0 {
		if time.Since(t0) > time.Second {
			t.Fatalf("the worker outlived the user's return by %s", time.Since(t0))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The figure docs/performance.md reports: go test -v -run TestControllerStopsWhenTheUserReturns ./app/agent
	t.Logf("the worker was gone %s after the user returned", time.Since(t0).Round(time.Millisecond))
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
	if !apptest.Whole(full) {
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
	if len(apptest.WorkersIn(t, rig.cache)) > 0 {
		time.Sleep(200 * time.Millisecond)
		if len(apptest.WorkersIn(t, rig.cache)) > 0 {
			t.Fatal("a worker is still measuring while paused")
		}
	}
	for _, r := range rig.runs(t) {
		full, _ := rig.store.Run(context.Background(), r.ID)
		if !apptest.Whole(full) {
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
		if full, _ := rig.store.Run(context.Background(), r.ID); r.Status != "ok" || !apptest.Whole(full) {
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
		{"no thermal sensor", func(r *sensors.Reading) { r.Thermal = sensors.ThermalAbsent }, true, ""},
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
