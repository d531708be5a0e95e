package agent

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// TestControllerWaitsForTheMeasuringLock: while another inferbench measures, the controller
// waits and says why; once that one is done, it measures.
func TestControllerWaitsForTheMeasuringLock(t *testing.T) {
	env := apptest.Env(t, false)
	dbPath := filepath.Join(t.TempDir(), "agent.db")
	store, err := storage.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Enqueue(context.Background(), QueueItems(catalog(t), []engine.Config{queued("tiny-llama", 16, 1)})); err != nil {
		t.Fatal(err)
	}
	other, err := app.LockMeasuring(context.Background(), env, dbPath, false)
	if err != nil {
		t.Fatal(err)
	}
	m := &apptest.Measurer{}
	bench := &app.Bench{Measurer: m, Store: store, Catalog: catalog(t), Machine: engine.DetectMachine(), Sensors: &scripted{r: idleOnAC()}}
	policy := DefaultPolicy()
	policy.CooldownMax = 0
	ctl := NewController(ControllerConfig{Bench: bench, Policy: policy, Poll: 20 * time.Millisecond, WaitPoll: 20 * time.Millisecond,
		Lock: func(ctx context.Context) (func(), error) { return app.LockMeasuring(ctx, env, dbPath, false) }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	defer func() { cancel(); <-done }()
	ctl.Start()
	rig := &controllerRig{ctl: ctl, store: store}
	s := rig.waitFor(t, "waiting on the lock", time.Minute, func(s Status) bool { return strings.Contains(s.Reason, "is measuring") })
	if s.State != StateWaiting || len(m.Ran()) != 0 {
		t.Fatalf("status %+v, ran %v while another inferbench held the lock", s, m.Ran())
	}
	other()
	rig.waitFor(t, "the run stored", time.Minute, func(Status) bool { return len(rig.runs(t)) == 1 })
}
