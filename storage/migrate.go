package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// schemaVersion is the schema this build writes: the number of migrations.
// It is kept in the file's PRAGMA user_version.
const schemaVersion = 7

// migrations[i] takes the schema from version i to version i+1. Each step runs
// in its own transaction together with the user_version update, so a file is
// always at exactly one version. Append new steps; never edit old ones.
var migrations = []func(context.Context, *sql.Tx) error{
	migrate1,
	migrate2,
	migrate3,
	migrate4,
	migrate5,
	migrate6,
	migrate7,
}

func init() {
	if len(migrations) != schemaVersion {
		panic("storage: schemaVersion does not match the number of migrations")
	}
}

// migrate applies the steps the database lacks and returns how many it
// applied.
func migrate(ctx context.Context, db *sql.DB) (int, error) {
	st, err := inspect(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if err := judge(st); err != nil {
		return 0, err
	}
	version := int(st.userVersion)
	applied := 0
	for ; version < len(migrations); version++ {
		ok, err := migrateStep(ctx, db, version)
		if err != nil {
			return applied, err
		}
		if ok {
			applied++
		}
	}
	return applied, nil
}

// migrateStep applies migrations[from] unless another process got there
// first: the file is inspected again inside the (immediate) transaction,
// which holds the write lock.
func migrateStep(ctx context.Context, db *sql.DB, from int) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", from+1, err)
	}
	defer tx.Rollback()

	st, err := inspect(ctx, tx)
	if err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", from+1, err)
	}
	if err := judge(st); err != nil {
		return false, err
	}
	if st.userVersion > int64(from) {
		return false, nil
	}
	if err := migrations[from](ctx, tx); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", from+1, err)
	}
	// PRAGMA does not take parameters; the value is an integer we control.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", from+1)); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", from+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", from+1, err)
	}
	return true, nil
}

// migrate1 creates the machines, runs and samples tables.
func migrate1(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		fmt.Sprintf("PRAGMA application_id = %d", applicationID),
		`CREATE TABLE machines (
			id           INTEGER PRIMARY KEY,
			fingerprint  TEXT    NOT NULL UNIQUE,
			chip         TEXT    NOT NULL,
			cores        INTEGER NOT NULL,
			memory_bytes INTEGER NOT NULL,
			os           TEXT    NOT NULL,
			os_version   TEXT    NOT NULL,
			arch         TEXT    NOT NULL,
			hostname     TEXT    NOT NULL,
			created_at   TEXT    NOT NULL
		)`,
		`CREATE TABLE runs (
			id                         INTEGER PRIMARY KEY,
			created_at                 TEXT    NOT NULL,
			machine_id                 INTEGER NOT NULL REFERENCES machines (id),
			model                      TEXT    NOT NULL,
			model_source               TEXT    NOT NULL,
			weights                    TEXT    NOT NULL,
			weights_path               TEXT    NOT NULL,
			architecture               TEXT    NOT NULL,
			params                     INTEGER NOT NULL,
			weight_bytes               INTEGER NOT NULL,
			precision                  TEXT    NOT NULL,
			context_tokens             INTEGER NOT NULL,
			generate_tokens            INTEGER NOT NULL,
			batch_size                 INTEGER NOT NULL,
			warmup                     INTEGER NOT NULL,
			repeats                    INTEGER NOT NULL,
			status                     TEXT    NOT NULL,
			error                      TEXT    NOT NULL,
			backend                    TEXT    NOT NULL,
			device                     TEXT    NOT NULL,
			mlx_version                TEXT    NOT NULL,
			mlx_lm_version             TEXT    NOT NULL,
			python_version             TEXT    NOT NULL,
			protocol                   INTEGER NOT NULL,
			ttft_ms                    REAL,
			prefill_tokens_per_sec     REAL,
			decode_ms_per_token        REAL,
			decode_ms_per_token_mean   REAL,
			decode_ms_per_token_std    REAL,
			decode_ms_per_token_p95    REAL,
			decode_tokens_per_sec      REAL,
			decode_tokens_per_sec_ci95 REAL,
			peak_memory_bytes          INTEGER,
			rss_bytes                  INTEGER,
			thermal_start              TEXT    NOT NULL,
			thermal_end                TEXT    NOT NULL,
			thermal_worst              TEXT    NOT NULL,
			power_source               TEXT    NOT NULL,
			low_power                  TEXT    NOT NULL,
			duration_ms                REAL    NOT NULL
		)`,
		`CREATE INDEX runs_config ON runs (model, precision, context_tokens, batch_size)`,
		`CREATE INDEX runs_created_at ON runs (created_at)`,
		`CREATE INDEX runs_machine_id ON runs (machine_id)`,
		`CREATE TABLE samples (
			id                     INTEGER PRIMARY KEY,
			run_id                 INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			rep                    INTEGER NOT NULL,
			ttft_ms                REAL    NOT NULL,
			prefill_tokens_per_sec REAL    NOT NULL,
			decode_ms              REAL    NOT NULL,
			decode_tokens_per_sec  REAL,
			peak_memory_bytes      INTEGER NOT NULL,
			rss_bytes              INTEGER NOT NULL,
			token_latencies_ms     TEXT    NOT NULL,
			UNIQUE (run_id, rep)
		)`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// migrate2 records the memory budget a run was measured under (0: none), since a run under a
// 16 GB budget answers a different question than the same configuration without one.
func migrate2(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		`ALTER TABLE runs ADD COLUMN memory_limit_bytes INTEGER NOT NULL DEFAULT 0`,
		`CREATE INDEX runs_software ON runs (machine_id, backend, mlx_version, mlx_lm_version)`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// migrate3 keeps fitted advisor models, so a window or a command can show the latest fit at
// once and refit only when newer runs exist.
func migrate3(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `CREATE TABLE fits (
		id           INTEGER PRIMARY KEY,
		created_at   TEXT    NOT NULL,
		n_runs       INTEGER NOT NULL,
		max_run_id   INTEGER NOT NULL,
		threshold_ms REAL    NOT NULL,
		model_json   TEXT    NOT NULL,
		metrics_json TEXT    NOT NULL
	)`)
	return err
}

// migrate4 adds the background agent's work queue, which outlives restarts, and the one row
// where a running agent publishes its state for `inferbench status`.
func migrate4(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		`CREATE TABLE queue (
			id                 INTEGER PRIMARY KEY,
			model              TEXT    NOT NULL,
			precision          TEXT    NOT NULL,
			weights            TEXT    NOT NULL,
			context_tokens     INTEGER NOT NULL,
			generate_tokens    INTEGER NOT NULL,
			batch_size         INTEGER NOT NULL,
			warmup             INTEGER NOT NULL,
			repeats            INTEGER NOT NULL,
			memory_limit_bytes INTEGER NOT NULL,
			priority           INTEGER NOT NULL,
			added_at           TEXT    NOT NULL,
			UNIQUE (model, precision, weights, context_tokens, generate_tokens, batch_size, memory_limit_bytes)
		)`,
		`CREATE TABLE agent (
			id         INTEGER PRIMARY KEY CHECK (id = 1),
			pid        INTEGER NOT NULL,
			state      TEXT    NOT NULL,
			reason     TEXT    NOT NULL,
			current    TEXT    NOT NULL,
			pending    INTEGER NOT NULL,
			updated_at TEXT    NOT NULL
		)`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// migrate5 records how a run was measured and what bounds it: the worker processes its
// repetitions were split over and whether they stepped between levels, the prefill time BatchGenerator
// reports, the KV cache's shape, and the run's place under the memory-bandwidth roof.
func migrate5(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		`ALTER TABLE runs ADD COLUMN processes INTEGER NOT NULL DEFAULT 1`,
		`ALTER TABLE runs ADD COLUMN stability TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE runs ADD COLUMN prefill_ms REAL`,
		`ALTER TABLE runs ADD COLUMN layers INTEGER`,
		`ALTER TABLE runs ADD COLUMN kv_bytes_per_token INTEGER`,
		`ALTER TABLE runs ADD COLUMN decode_bytes_per_step INTEGER`,
		`ALTER TABLE runs ADD COLUMN achieved_bandwidth_gbs REAL`,
		`ALTER TABLE runs ADD COLUMN peak_bandwidth_gbs REAL`,
		`ALTER TABLE runs ADD COLUMN bandwidth_share REAL`,
		`ALTER TABLE runs ADD COLUMN decode_bound TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE samples ADD COLUMN process INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE samples ADD COLUMN prefill_ms REAL`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// migrate6 records what a run cost and how its clocks went (energy, average power in prefill and
// decode, the meter that read them, CPU and GPU clocks, a throttled mark), energy per repetition,
// and gives every run a uid that import keys on: runs stored before get one derived from their
// machine and their own row, so importing an older file twice still finds its runs the second
// time.
func migrate6(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		`ALTER TABLE runs ADD COLUMN energy_j REAL`,
		`ALTER TABLE runs ADD COLUMN joules_per_token REAL`,
		`ALTER TABLE runs ADD COLUMN prefill_watts REAL`,
		`ALTER TABLE runs ADD COLUMN decode_watts REAL`,
		`ALTER TABLE runs ADD COLUMN power_source_meter TEXT NOT NULL DEFAULT 'unknown'`,
		`ALTER TABLE runs ADD COLUMN cpu_clock_mhz_min REAL`,
		`ALTER TABLE runs ADD COLUMN cpu_clock_mhz_median REAL`,
		`ALTER TABLE runs ADD COLUMN cpu_clock_mhz_max REAL`,
		`ALTER TABLE runs ADD COLUMN gpu_clock_mhz_min REAL`,
		`ALTER TABLE runs ADD COLUMN gpu_clock_mhz_median REAL`,
		`ALTER TABLE runs ADD COLUMN gpu_clock_mhz_max REAL`,
		`ALTER TABLE runs ADD COLUMN throttled INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE runs ADD COLUMN uid TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE samples ADD COLUMN energy_j REAL`,
		`ALTER TABLE samples ADD COLUMN joules_per_token REAL`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT runs.id, machines.fingerprint, runs.created_at FROM runs JOIN machines ON machines.id = runs.machine_id`)
	if err != nil {
		return err
	}
	uids := map[int64]string{}
	for rows.Next() {
		var id int64
		var fp, created string
		if err := rows.Scan(&id, &fp, &created); err != nil {
			rows.Close()
			return err
		}
		uids[id] = derivedUID(fp, created, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for id, uid := range uids {
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET uid = ? WHERE id = ?`, uid, id); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `CREATE UNIQUE INDEX runs_uid ON runs (uid)`)
	return err
}

// migrate7 records what a run's decode interval rests on: its repetitions, its own worker
// processes, or those pooled with the spread between processes of earlier runs on the machine,
// and the degrees of freedom behind it. Runs stored before had only the first two.
func migrate7(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		`ALTER TABLE runs ADD COLUMN decode_ci_basis TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE runs ADD COLUMN decode_ci_dof INTEGER NOT NULL DEFAULT 0`,
		`UPDATE runs SET decode_ci_basis = CASE WHEN processes > 1 THEN 'processes' ELSE 'repetitions' END,
			decode_ci_dof = CASE WHEN processes > 1 THEN processes - 1 ELSE repeats - 1 END
			WHERE decode_tokens_per_sec_ci95 IS NOT NULL`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
