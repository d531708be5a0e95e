package storage

import (
	"context"
	"errors"
	"testing"
)

func TestFits(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	if _, err := db.LatestFit(ctx, 200); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty database: err = %v, want ErrNotFound", err)
	}
	if id, err := db.MaxRunID(ctx); err != nil || id != 0 {
		t.Fatalf("MaxRunID of no runs = %d, %v", id, err)
	}
	for _, f := range []*FitRecord{
		{NRuns: 10, MaxRunID: 10, ThresholdMs: 200, Model: []byte(`{"v":1}`), Metrics: []byte(`{"n_runs":10}`)},
		{NRuns: 12, MaxRunID: 12, ThresholdMs: 200, Model: []byte(`{"v":2}`), Metrics: []byte(`{"n_runs":12}`)},
		{NRuns: 12, MaxRunID: 12, ThresholdMs: 100, Model: []byte(`{"v":3}`), Metrics: []byte(`{"n_runs":12}`)},
	} {
		if _, err := db.SaveFit(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.LatestFit(ctx, 200)
	if err != nil || string(got.Model) != `{"v":2}` || got.NRuns != 12 || got.CreatedAt.IsZero() {
		t.Fatalf("LatestFit(200) = %+v, %v", got, err)
	}
	if got, _ := db.LatestFit(ctx, 100); string(got.Model) != `{"v":3}` {
		t.Fatalf("LatestFit(100) = %s", got.Model)
	}
	if _, err := db.SaveFit(ctx, &FitRecord{Model: []byte("not json"), Metrics: []byte("{}")}); err == nil {
		t.Fatal("a fit that is not JSON was stored")
	}
	m := upsertTestMachine(t, db)
	r := fullRun(m)
	r.Samples = nil
	id, _ := db.InsertRun(ctx, r)
	if got, _ := db.MaxRunID(ctx); got != id {
		t.Fatalf("MaxRunID = %d, want %d", got, id)
	}
}
