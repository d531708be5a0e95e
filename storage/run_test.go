package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestFullRunHasNoZeroField guards the round-trip test: if Run or Sample gains
// a field that fullRun leaves at zero, that field's storage is untested.
func TestFullRunHasNoZeroField(t *testing.T) {
	r := fullRun(1)
	r.ID = 1
	v := reflect.ValueOf(*r)
	for i := 0; i < v.NumField(); i++ {
		// Machine is read with a run, never written with it.
		if v.Field(i).IsZero() && v.Type().Field(i).Name != "Machine" {
			t.Errorf("fullRun leaves Run.%s at zero", v.Type().Field(i).Name)
		}
	}
	s := reflect.ValueOf(r.Samples[1])
	for i := 0; i < s.NumField(); i++ {
		if s.Field(i).IsZero() {
			t.Errorf("fullRun leaves Sample.%s at zero", s.Type().Field(i).Name)
		}
	}
}

func TestRunRoundTrip(t *testing.T) {
	db := openTemp(t)
	machine := upsertTestMachine(t, db)

	tests := []struct {
		name string
		run  *Run
	}{
		{"ok run with samples", fullRun(machine)},
		{"failed run without aggregates", &Run{
			CreatedAt: time.Date(2025, 3, 14, 16, 0, 0, 0, time.UTC),
			MachineID: machine,
			Model:     "/models/llama-70b", ModelSource: "path", Weights: "checkpoint", WeightsPath: "/models/llama-70b",
			Architecture: "llama", Params: 70_000_000_000, WeightBytes: 40_000_000_000, Precision: "int4",
			Context: 4096, Generate: 128, Batch: 8, Warmup: 1, Repeats: 5,
			Status: StatusOOM, Error: "[metal::malloc] Attempting to allocate 42949672960 bytes",
			Backend: "metal", Protocol: 1, LowPower: "unknown", DurationMs: 12.5,
		}},
		{"prefill-only run: no decode rate", &Run{
			CreatedAt: time.Date(2025, 3, 14, 17, 0, 0, 0, time.UTC),
			MachineID: machine, Model: "gpt2", ModelSource: "catalog", Weights: "random", Precision: "fp16",
			Context: 512, Generate: 1, Batch: 1, Repeats: 1, Status: StatusOK, Protocol: 1,
			TTFTMs: f64(12), PrefillTokensPerSec: f64(42666.5), PeakMemoryBytes: i64(1), RSSBytes: i64(2),
			Samples: []Sample{{Rep: 0, TTFTMs: 12, PrefillTokensPerSec: 42666.5, PeakMemoryBytes: 1, RSSBytes: 2}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := *tt.run
			id, err := db.InsertRun(context.Background(), tt.run)
			if err != nil {
				t.Fatalf("InsertRun: %v", err)
			}
			if id == 0 || tt.run.ID != id {
				t.Fatalf("InsertRun returned id %d and set run.ID %d", id, tt.run.ID)
			}
			want.ID = id
			if tt.run.UID == "" || want.UID != "" && tt.run.UID != want.UID {
				t.Errorf("InsertRun set uid %q (was %q)", tt.run.UID, want.UID)
			}
			if want.PowerSourceMeter == "" && tt.run.PowerSourceMeter != "unknown" {
				t.Errorf("a run without a meter is stored with power_source_meter %q, want unknown", tt.run.PowerSourceMeter)
			}
			want.UID, want.PowerSourceMeter = tt.run.UID, tt.run.PowerSourceMeter
			machines, err := db.Machines(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want.Machine = machines[machine]
			got, err := db.Run(context.Background(), id)
			if err != nil {
				t.Fatalf("Run(%d): %v", id, err)
			}
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("Run(%d) =\n%+v\nwant\n%+v", id, got, &want)
			}
			if got.CreatedAt.Location() != time.UTC {
				t.Errorf("CreatedAt is in %v, want UTC", got.CreatedAt.Location())
			}
		})
	}
}

func TestInsertRunSetsCreatedAt(t *testing.T) {
	db := openTemp(t)
	r := fullRun(upsertTestMachine(t, db))
	r.CreatedAt = time.Time{}
	before := time.Now().Add(-time.Second)
	id := insertRun(t, db, r)
	if r.CreatedAt.Before(before) || r.CreatedAt.After(time.Now()) || r.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt = %v, want now in UTC", r.CreatedAt)
	}
	got, err := db.Run(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(r.CreatedAt) {
		t.Errorf("stored CreatedAt = %v, want %v", got.CreatedAt, r.CreatedAt)
	}
}

// TestStoredText checks the columns that other tools read directly.
func TestStoredText(t *testing.T) {
	db := openTemp(t)
	r := fullRun(upsertTestMachine(t, db))
	r.CreatedAt = time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("CET", 3600))
	id := insertRun(t, db, r)

	var created, latencies string
	var ttft any
	if err := db.db.QueryRow(`SELECT created_at, ttft_ms FROM runs WHERE id = ?`, id).Scan(&created, &ttft); err != nil {
		t.Fatal(err)
	}
	if created != "2025-03-14T14:09:26.000Z" {
		t.Errorf("created_at = %q, want RFC 3339 in UTC", created)
	}
	if ttft != 41.25 {
		t.Errorf("ttft_ms = %#v, want a REAL 41.25", ttft)
	}
	if err := db.db.QueryRow(`SELECT token_latencies_ms FROM samples WHERE run_id = ? AND rep = 0`, id).Scan(&latencies); err != nil {
		t.Fatal(err)
	}
	if latencies != "[10.1,9.9,10]" {
		t.Errorf("token_latencies_ms = %q, want a JSON array", latencies)
	}
	var julian float64
	if err := db.db.QueryRow(`SELECT julianday(created_at) FROM runs WHERE id = ?`, id).Scan(&julian); err != nil || julian == 0 {
		t.Errorf("SQLite cannot read created_at as a date: %v, %v", julian, err)
	}

	// A failed run stores NULL aggregates, not zeros.
	failed := &Run{MachineID: r.MachineID, Status: StatusCrash, Model: "gpt2"}
	fid := insertRun(t, db, failed)
	var nulls int
	if err := db.db.QueryRow(`SELECT (ttft_ms IS NULL) + (decode_tokens_per_sec IS NULL) + (peak_memory_bytes IS NULL) FROM runs WHERE id = ?`, fid).Scan(&nulls); err != nil {
		t.Fatal(err)
	}
	if nulls != 3 {
		t.Errorf("%d of 3 aggregates of a failed run are NULL", nulls)
	}
}

func TestRunNotFound(t *testing.T) {
	db := openTemp(t)
	_, err := db.Run(context.Background(), 42)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Run(42) on an empty database: err = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "42") {
		t.Errorf("error %q does not name the run", err)
	}
}

func TestInsertRunIsAtomic(t *testing.T) {
	db := openTemp(t)
	r := fullRun(upsertTestMachine(t, db))
	r.Samples[2].Rep = r.Samples[0].Rep // the third sample insert fails

	_, err := db.InsertRun(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "two samples of repetition 0") {
		t.Fatalf("InsertRun with two samples of the same repetition: err = %v", err)
	}
	if r.ID != 0 {
		t.Errorf("a failed InsertRun set run.ID to %d", r.ID)
	}
	if n := count(t, db, "runs"); n != 0 {
		t.Errorf("%d rows in runs after a failed InsertRun, want 0", n)
	}
	if n := count(t, db, "samples"); n != 0 {
		t.Errorf("%d rows in samples after a failed InsertRun, want 0", n)
	}

	// The database is still usable afterwards.
	r.Samples[2].Rep = 2
	insertRun(t, db, r)
	if n := count(t, db, "samples"); n != 3 {
		t.Errorf("%d samples after a good InsertRun, want 3", n)
	}
}

func TestInsertRunRejects(t *testing.T) {
	db := openTemp(t)
	machine := upsertTestMachine(t, db)
	tests := []struct {
		name   string
		change func(*Run)
		want   string
	}{
		{"no machine", func(r *Run) { r.MachineID = 0 }, "no machine"},
		{"unknown machine", func(r *Run) { r.MachineID = machine + 100 }, fmt.Sprintf("machine %d is not in the database", machine+100)},
		{"unknown status", func(r *Run) { r.Status = "fine" }, `unknown status "fine"`},
		{"empty status", func(r *Run) { r.Status = "" }, "unknown status"},
		{"NaN aggregate", func(r *Run) { r.DecodeMsPerTokenStd = f64(math.NaN()) }, "decode_ms_per_token_std is NaN"},
		{"infinite duration", func(r *Run) { r.DurationMs = math.Inf(1) }, "duration_ms is +Inf"},
		{"NaN in a sample", func(r *Run) { r.Samples[1].TTFTMs = math.NaN() }, "repetition 1: ttft_ms is NaN"},
		{"NaN latency", func(r *Run) { r.Samples[2].TokenLatenciesMs[0] = math.NaN() }, "repetition 2: a token latency is NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fullRun(machine)
			tt.change(r)
			_, err := db.InsertRun(context.Background(), r)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("InsertRun: err = %v, want one containing %q", err, tt.want)
			}
			if n := count(t, db, "runs"); n != 0 {
				t.Errorf("%d rows in runs after a refused run, want 0", n)
			}
		})
	}
}

func TestDeletingRunDeletesSamples(t *testing.T) {
	db := openTemp(t)
	id := insertRun(t, db, fullRun(upsertTestMachine(t, db)))
	if _, err := db.db.Exec(`DELETE FROM runs WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "samples"); n != 0 {
		t.Errorf("%d samples left after deleting their run, want 0", n)
	}
}

func TestRunsFilter(t *testing.T) {
	db := openTemp(t)
	machine := upsertTestMachine(t, db)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	// Inserted out of time order, with two runs at the same instant.
	runs := []struct {
		model, precision, status string
		at                       time.Duration
	}{
		{"gpt2", "int4", StatusOK, 2 * time.Hour},          // 1
		{"gpt2", "fp16", StatusOK, 1 * time.Hour},          // 2
		{"llama", "int4", StatusOOM, 3 * time.Hour},        // 3
		{"gpt2", "int4", StatusTimeout, 4 * time.Hour},     // 4
		{"llama", "int4", StatusOK, 4 * time.Hour},         // 5
		{"gpt2", "int4", StatusOK, 500 * time.Millisecond}, // 6
	}
	for _, r := range runs {
		run := fullRun(machine)
		run.Model, run.Precision, run.Status, run.CreatedAt = r.model, r.precision, r.status, base.Add(r.at)
		insertRun(t, db, run)
	}

	tests := []struct {
		name   string
		filter RunFilter
		want   []int64
	}{
		{"all, newest first", RunFilter{}, []int64{5, 4, 3, 1, 2, 6}},
		{"model", RunFilter{Model: "gpt2"}, []int64{4, 1, 2, 6}},
		{"precision", RunFilter{Precision: "int4"}, []int64{5, 4, 3, 1, 6}},
		{"status", RunFilter{Status: StatusOK}, []int64{5, 1, 2, 6}},
		{"model and status", RunFilter{Model: "gpt2", Status: StatusOK}, []int64{1, 2, 6}},
		{"since is inclusive", RunFilter{Since: base.Add(3 * time.Hour)}, []int64{5, 4, 3}},
		{"since in another zone", RunFilter{Since: base.Add(3 * time.Hour).In(time.FixedZone("PST", -8*3600))}, []int64{5, 4, 3}},
		{"since to the millisecond", RunFilter{Since: base.Add(500 * time.Millisecond)}, []int64{5, 4, 3, 1, 2, 6}},
		{"since a millisecond later", RunFilter{Since: base.Add(501 * time.Millisecond)}, []int64{5, 4, 3, 1, 2}},
		{"limit", RunFilter{Limit: 2}, []int64{5, 4}},
		{"limit with filter", RunFilter{Precision: "int4", Limit: 4}, []int64{5, 4, 3, 1}},
		{"no match", RunFilter{Model: "mistral"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Runs(context.Background(), tt.filter)
			if err != nil {
				t.Fatalf("Runs: %v", err)
			}
			var ids []int64
			for _, r := range got {
				ids = append(ids, r.ID)
				if r.Samples != nil {
					t.Errorf("Runs returned run %d with samples", r.ID)
				}
			}
			if !reflect.DeepEqual(ids, tt.want) {
				t.Errorf("Runs(%+v) = %v, want %v", tt.filter, ids, tt.want)
			}
		})
	}

	// Runs returns the same fields as Run, less the samples.
	list, err := db.Runs(context.Background(), RunFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	one, err := db.Run(context.Background(), list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	one.Samples = nil
	if !reflect.DeepEqual(&list[0], one) {
		t.Errorf("Runs gave\n%+v\nRun gave\n%+v", list[0], *one)
	}
}
