package storage

import (
	"context"
	"slices"
	"testing"
)

func TestProcessMeans(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	here := upsertTestMachine(t, db)
	other := testMachine()
	other.Hostname = "laptop.local"
	elsewhere, err := db.UpsertMachine(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	// single is a one-process run of fullRun's configuration decoding at tps.
	single := func(machine int64, tps float64, edit func(*Run)) *Run {
		r := fullRun(machine)
		r.UID, r.Processes, r.DecodeTokensPerSec = "", 1, f64(tps)
		for i := range r.Samples {
			r.Samples[i].Process = 0
		}
		if edit != nil {
			edit(r)
		}
		return r
	}
	multi := fullRun(here) // processes 0, 1, 2 at 100, 101.5 and 96.9
	insertRun(t, db, multi)
	insertRun(t, db, single(here, 90, nil))
	insertRun(t, db, single(here, 110, nil))
	insertRun(t, db, single(here, 500, func(r *Run) { r.Context = 512 }))       // alone in its configuration
	insertRun(t, db, single(here, 700, func(r *Run) { r.Batch = 8 }))           // another batch size
	insertRun(t, db, single(here, 700, func(r *Run) { r.Batch = 8 }))           // …twice
	insertRun(t, db, single(here, 1, func(r *Run) { r.Status = StatusOOM }))    // not a measurement
	insertRun(t, db, single(here, 2, func(r *Run) { r.Backend = "cpu" }))       // another backend
	insertRun(t, db, single(elsewhere, 3, nil))                                 // another machine
	insertRun(t, db, single(here, 4, func(r *Run) { r.MLXVersion = "0.31.0" })) // other software: its own group
	insertRun(t, db, single(here, 5, func(r *Run) { r.MLXVersion = "0.31.0" }))

	tests := []struct {
		name  string
		scope SpreadScope
		want  [][]float64
	}{
		{"model and batch", SpreadScope{MachineID: here, Backend: "metal", Device: "Apple M3 Pro", Model: "gpt2", Batch: 2},
			[][]float64{{100, 101.5, 96.9}, {90, 110}, {500}, {4, 5}}},
		{"the whole machine", SpreadScope{MachineID: here, Backend: "metal", Device: "Apple M3 Pro"},
			[][]float64{{100, 101.5, 96.9}, {90, 110}, {500}, {4, 5}, {700, 700}}},
		{"another device", SpreadScope{MachineID: here, Backend: "metal", Device: "Apple M4"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.ProcessMeans(ctx, tt.scope)
			if err != nil {
				t.Fatal(err)
			}
			sortGroups(got)
			sortGroups(tt.want)
			if !slices.EqualFunc(got, tt.want, slices.Equal[[]float64]) {
				t.Errorf("ProcessMeans = %v, want %v", got, tt.want)
			}
		})
	}
}

// sortGroups orders groups by their first value, since the query's grouping keys fix no order
// between groups.
func sortGroups(gs [][]float64) {
	slices.SortFunc(gs, func(a, b []float64) int {
		if a[0] < b[0] {
			return -1
		}
		if a[0] > b[0] {
			return 1
		}
		return len(a) - len(b)
	})
}
