package storage

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

func TestImportTwiceAddsNothingTheSecondTime(t *testing.T) {
	ctx := context.Background()
	src, dst := openTemp(t), openTemp(t)
	// Both databases know a machine; the source's other machine is new to the destination.
	here := upsertTestMachine(t, dst)
	dst.InsertRun(ctx, fullRun(here))
	away, err := src.UpsertMachine(ctx, Machine{Chip: "NVIDIA H200", Cores: 16, MemoryBytes: 128 << 30, OS: "linux", OSVersion: "6.8", Arch: "amd64", Hostname: "gpu-1"})
	if err != nil {
		t.Fatal(err)
	}
	upsertTestMachine(t, src)
	first := fullRun(away)
	if _, err := src.InsertRun(ctx, first); err != nil {
		t.Fatal(err)
	}
	oom := &Run{MachineID: away, Model: "gpt2-xl", ModelSource: "catalog", Weights: "random", Precision: "fp32",
		Context: 1024, Generate: 32, Batch: 8, Repeats: 3, Status: StatusOOM, Error: "out of memory", LowPower: "unknown"}
	if _, err := src.InsertRun(ctx, oom); err != nil {
		t.Fatal(err)
	}

	st, err := dst.Import(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if st.Runs != 2 || st.Duplicates != 0 || st.Machines != 2 {
		t.Errorf("first import: %+v, want 2 runs from 2 machines", st)
	}
	st, err = dst.Import(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if st.Runs != 0 || st.Duplicates != 2 {
		t.Errorf("second import: %+v, want nothing added and 2 duplicates", st)
	}
	runs, err := dst.Runs(ctx, RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("%d runs after two imports, want the 1 measured here and the 2 imported", len(runs))
	}
	machines, _ := dst.Machines(ctx)
	if len(machines) != 2 {
		t.Errorf("%d machines, want the shared one once and the H200", len(machines))
	}
	var imported *Run
	for _, r := range runs {
		if r.UID == first.UID {
			imported, _ = dst.Run(ctx, r.ID)
		}
	}
	if imported == nil {
		t.Fatal("the source's run is not found by its uid")
	}
	if m := machines[imported.MachineID]; m.Hostname != "gpu-1" {
		t.Errorf("the imported run's machine is %+v", m)
	}
	want := *first
	want.ID, want.MachineID, want.Machine = imported.ID, imported.MachineID, machines[imported.MachineID]
	if !reflect.DeepEqual(imported, &want) {
		t.Errorf("imported\n%+v\nwant\n%+v", imported, &want)
	}
}

// A file of schema version 5 has no uids: the ones its migration derives are the same each
// time, so importing it twice does not duplicate its runs.
func TestImportOlderFileTwice(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v5.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for v := range 5 {
		if _, err := migrateStep(ctx, raw, v); err != nil {
			t.Fatal(err)
		}
	}
	stmts := []string{
		`INSERT INTO machines VALUES (1, 'fp-old', 'Apple M1', 8, 17179869184, 'darwin', '14.5', 'arm64', 'mini', '2026-01-01T00:00:00.000Z')`,
		`INSERT INTO runs (id, created_at, machine_id, model, model_source, weights, weights_path, architecture, params, weight_bytes,
			precision, context_tokens, generate_tokens, batch_size, warmup, repeats, status, error, backend, device, mlx_version,
			mlx_lm_version, python_version, protocol, thermal_start, thermal_end, thermal_worst, power_source, low_power, duration_ms)
			VALUES (1, '2026-01-02T00:00:00.000Z', 1, 'gpt2', 'catalog', 'random', '', 'gpt2', 1, 1, 'fp16', 128, 32, 1, 1, 3,
			'ok', '', 'metal', 'Apple M1', '0.30.0', '0.30.0', '3.11', 2, 'nominal', 'nominal', 'nominal', 'ac', 'false', 100)`,
	}
	for _, s := range stmts {
		if _, err := raw.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	dst := openTemp(t)
	for i, wantRuns := range []int{1, 0} {
		snap, err := OpenSnapshot(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := dst.Import(ctx, snap.DB)
		snap.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st.Runs != wantRuns {
			t.Errorf("import %d of the old file: %+v, want %d runs added", i+1, st, wantRuns)
		}
	}
	// The old file itself was only read.
	check, _ := sql.Open("sqlite3", path)
	defer check.Close()
	var v int
	check.QueryRow("PRAGMA user_version").Scan(&v)
	if v != 5 {
		t.Errorf("the source file is at version %d after import, want it left at 5", v)
	}
}

func TestOpenSnapshotRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := OpenSnapshot(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Error("a missing file opened")
	}
	other := filepath.Join(dir, "other.db")
	raw, _ := sql.Open("sqlite3", other)
	raw.Exec("CREATE TABLE t (x)")
	raw.Close()
	_, err := OpenSnapshot(ctx, other)
	if err == nil || !errors.Is(err, ErrNotDatabase) {
		t.Errorf("a SQLite file of another program: %v", err)
	}
}
