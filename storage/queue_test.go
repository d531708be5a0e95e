package storage

import (
	"context"
	"errors"
	"testing"
)

func TestQueue(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	items := []QueueItem{
		{Model: "gpt2", Precision: "fp16", Weights: "auto", Context: 1024, Generate: 32, Batch: 1, Warmup: 1, Repeats: 5, Priority: 2},
		{Model: "gpt2", Precision: "fp16", Weights: "auto", Context: 128, Generate: 32, Batch: 1, Warmup: 1, Repeats: 5, Priority: 1},
	}
	if n, err := db.Enqueue(ctx, items); err != nil || n != 2 {
		t.Fatalf("Enqueue = %d, %v", n, err)
	}
	// Queuing the same configuration again updates it instead of adding a copy.
	items[0].Priority = 0
	if _, err := db.Enqueue(ctx, items[:1]); err != nil {
		t.Fatal(err)
	}
	got, err := db.Queue(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("Queue = %+v, %v", got, err)
	}
	if got[0].Context != 1024 || got[1].Context != 128 {
		t.Errorf("queue order by priority: %d then %d", got[0].Context, got[1].Context)
	}
	if got[0].Key() != (RunKey{Model: "gpt2", Precision: "fp16", Context: 1024, Generate: 32, Batch: 1,
		Weights: "auto", Warmup: 1, Repeats: 5, Processes: 1}) {
		t.Errorf("key = %+v", got[0].Key())
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
