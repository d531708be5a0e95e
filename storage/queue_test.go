package storage

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/inferbench/inferbench/engine"
)

// A queued configuration comes back whole: every setting of engine.Config, each one set here
// to a value of its own, so that a setting the queue drops fails.
func TestQueue(t *testing.T) {
	ctx := context.Background()
	full := engine.Config{Model: "/models/gpt2 copy", Precision: "int4-g32", Weights: "checkpoint", Context: 1024,
		Generate: 32, Batch: 4, Warmup: 2, Repeats: 9, Processes: 3, Seed: 11, TargetCI: 0.025, MinRepeats: 4,
		MemoryLimit: 16 << 30, Timeout: 90*time.Second + 7}
	if zero := zeroFields(full); len(zero) > 0 {
		t.Fatalf("the test configuration leaves %v zero: give every field a value", zero)
	}
	tests := []struct {
		name string
		cfg  engine.Config
	}{
		{"every setting", full},
		{"adaptive repetitions", engine.Config{Model: "gpt2", Precision: "fp16", Weights: "auto", Context: 128, Generate: 32,
			Batch: 1, Warmup: 1, Repeats: 20, TargetCI: 0.02, MinRepeats: 3, Timeout: time.Minute}},
		{"defaults", engine.Config{Model: "gpt2", Precision: "fp32", Weights: "random", Context: 64, Generate: 8,
			Batch: 1, Repeats: 5, Processes: 1, Timeout: engine.DefaultTimeout}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t)
			if n, err := db.Enqueue(ctx, []QueueItem{{Config: tt.cfg, Priority: 3}}); err != nil || n != 1 {
				t.Fatalf("Enqueue = %d, %v", n, err)
			}
			got, err := db.Queue(ctx)
			if err != nil || len(got) != 1 {
				t.Fatalf("Queue = %+v, %v", got, err)
			}
			if got[0].Config != tt.cfg || got[0].Priority != 3 {
				t.Fatalf("queued %+v\nread   %+v", tt.cfg, got[0].Config)
			}
		})
	}
}

// zeroFields names the fields of a struct that hold their zero value.
func zeroFields(v any) []string {
	rv := reflect.ValueOf(v)
	var zero []string
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			zero = append(zero, rv.Type().Field(i).Name)
		}
	}
	return zero
}

// One shape is queued once: queueing it again keeps its place in the table but takes the new
// priority and settings, and counts as nothing new.
func TestEnqueueAgain(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	cfg := func(context, repeats int) engine.Config {
		return engine.Config{Model: "gpt2", Precision: "fp16", Weights: "auto", Context: context, Generate: 32, Batch: 1,
			Warmup: 1, Repeats: repeats, Timeout: time.Minute}
	}
	items := []QueueItem{{Config: cfg(1024, 5), Priority: 2}, {Config: cfg(128, 5), Priority: 1}}
	if n, err := db.Enqueue(ctx, items); err != nil || n != 2 {
		t.Fatalf("Enqueue = %d, %v", n, err)
	}
	if n, err := db.Enqueue(ctx, []QueueItem{{Config: cfg(1024, 20), Priority: 0}}); err != nil || n != 0 {
		t.Fatalf("Enqueue again = %d new, %v; want 0", n, err)
	}
	got, err := db.Queue(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("Queue = %+v, %v", got, err)
	}
	if got[0].Config != cfg(1024, 20) || got[1].Config != cfg(128, 5) {
		t.Errorf("queue by priority: %+v then %+v", got[0].Config, got[1].Config)
	}
	if err := db.ClearQueue(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Queue(ctx); len(got) != 0 {
		t.Fatalf("queue after clear: %+v", got)
	}
}

func TestAgentState(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	if _, err := db.GetAgentState(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	for _, s := range []AgentState{{PID: 7, State: "waiting", Reason: "on battery"}, {PID: 7, State: "running", Current: "gpt2 fp16", Pending: 3}} {
		if err := db.SetAgentState(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.GetAgentState(ctx)
	if err != nil || got.State != "running" || got.Current != "gpt2 fp16" || got.Pending != 3 || got.Reason != "" || got.UpdatedAt.IsZero() {
		t.Fatalf("GetAgentState = %+v, %v", got, err)
	}
}

// A queue written before the whole configuration was kept reads as it was measured then: one
// process, seed 0, fixed repetitions and the default timeout.
func TestMigrateQueueFromVersion7(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v7.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations[:7] {
		if err := m(ctx, tx); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{`PRAGMA user_version = 7`,
		`INSERT INTO queue (model, precision, weights, context_tokens, generate_tokens, batch_size, warmup, repeats,
			memory_limit_bytes, priority, added_at) VALUES ('gpt2', 'fp16', 'auto', 128, 32, 1, 1, 5, 0, 0, '2026-01-01T00:00:00.000Z')`} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	got, err := openAt(t, path).Queue(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("Queue = %+v, %v", got, err)
	}
	want := engine.Config{Model: "gpt2", Precision: "fp16", Weights: "auto", Context: 128, Generate: 32, Batch: 1,
		Warmup: 1, Repeats: 5, Processes: 1, Timeout: engine.DefaultTimeout}
	if got[0].Config != want {
		t.Fatalf("migrated item %+v, want %+v", got[0].Config, want)
	}
}
