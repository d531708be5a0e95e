package storage

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

func TestCompleted(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	m1, _ := db.UpsertMachine(ctx, Machine{Chip: "M3", Cores: 8, MemoryBytes: 16 << 30, OS: "darwin", OSVersion: "15", Arch: "arm64", Hostname: "a"})
	m2, _ := db.UpsertMachine(ctx, Machine{Chip: "M4", Cores: 10, MemoryBytes: 32 << 30, OS: "darwin", OSVersion: "15", Arch: "arm64", Hostname: "b"})
	add := func(machine int64, mlx string, ctxTokens int, limit int64, status string) {
		t.Helper()
		r := &Run{MachineID: machine, Model: "gpt2", ModelSource: "catalog", Weights: "random", Precision: "int4",
			Generate: 32, Batch: 1, Repeats: 1, Backend: "metal", MLXLMVersion: "0.32.2", Protocol: 1}
		r.MLXVersion, r.Context, r.MemoryLimitBytes, r.Status = mlx, ctxTokens, limit, status
		if _, err := db.InsertRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	add(m1, "0.32.4", 128, 0, StatusOK)
	add(m1, "0.32.4", 256, 0, StatusCrash)
	add(m1, "0.32.4", 256, 0, StatusOOM)      // a later run of the same configuration
	add(m1, "0.32.4", 512, 16<<30, StatusOOM) // under a budget
	add(m1, "0.31.0", 1024, 0, StatusOK)      // older MLX
	add(m2, "0.32.4", 2048, 0, StatusOK)      // another machine
	add(m1, "0.32.4", 4096, 0, StatusTimeout) // not a status asked for

	base := Run{Model: "gpt2", Precision: "int4", Generate: 32, Batch: 1, Backend: "metal", MLXLMVersion: "0.32.2"}
	sw := Software{MachineID: m1, Backend: base.Backend, MLXVersion: "0.32.4", MLXLMVersion: base.MLXLMVersion}
	got, err := db.Completed(ctx, sw, StatusOK, StatusOOM, StatusSkipped)
	if err != nil {
		t.Fatal(err)
	}
	key := func(c int, limit int64) RunKey {
		return RunKey{Model: base.Model, Precision: base.Precision, Context: c, Generate: base.Generate, Batch: base.Batch, MemoryLimitBytes: limit,
			Weights: "random", Repeats: 1, Processes: 1}
	}
	want := map[RunKey]Measured{key(128, 0): {1, StatusOK}, key(256, 0): {3, StatusOOM}, key(512, 16<<30): {4, StatusOOM}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%+v: got %+v, want %+v", k, got[k], v)
		}
	}
}

// A database written before budgets existed keeps its runs, which read as unbudgeted.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	tx, _ := raw.BeginTx(ctx, nil)
	if err := migrate1(ctx, tx); err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		`PRAGMA user_version = 1`,
		`INSERT INTO machines VALUES (1, 'fp', 'M1', 8, 1, 'darwin', '14', 'arm64', 'h', '2025-01-01T00:00:00.000Z')`,
		`INSERT INTO runs (id, created_at, machine_id, model, model_source, weights, weights_path, architecture, params,
			weight_bytes, precision, context_tokens, generate_tokens, batch_size, warmup, repeats, status, error, backend,
			device, mlx_version, mlx_lm_version, python_version, protocol, thermal_start, thermal_end, thermal_worst,
			power_source, low_power, duration_ms)
		 VALUES (7, '2025-01-01T00:00:00.000Z', 1, 'gpt2', 'catalog', 'random', '', 'gpt2', 1, 1, 'fp16', 128, 32, 1, 1,
			5, 'ok', '', 'metal', 'M1', '0.32.4', '0.32.2', '3.11', 1, 'unknown', 'unknown', 'unknown', 'unknown', 'unknown', 1)`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db := openAt(t, path)
	var version int
	db.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
	if version != schemaVersion {
		t.Fatalf("user_version = %d, want %d", version, schemaVersion)
	}
	run, err := db.Run(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if run.Model != "gpt2" || run.MemoryLimitBytes != 0 {
		t.Fatalf("migrated run = %+v", run)
	}
}
