package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ImportStats says what an import did.
type ImportStats struct {
	Machines   int // machines in the source
	Runs       int // runs added
	Duplicates int // runs already stored, left alone
}

// Import copies every run of src into db, with its samples and its machine, in one
// transaction: a failure adds nothing. Machines are matched by fingerprint and runs by uid, so
// a run already stored (imported before, or measured here) is not added again; imported runs
// get ids of this database.
func (db *DB) Import(ctx context.Context, src *DB) (ImportStats, error) {
	var st ImportStats
	machines, err := src.Machines(ctx)
	if err != nil {
		return st, fmt.Errorf("import: %w", err)
	}
	st.Machines = len(machines)
	listed, err := src.Runs(ctx, RunFilter{})
	if err != nil {
		return st, fmt.Errorf("import: %w", err)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback()
	ids := map[int64]int64{} // the source's machine ids to ours
	for id, m := range machines {
		if ids[id], err = upsertMachineTx(ctx, tx, m.Machine); err != nil {
			return st, fmt.Errorf("import machine %s: %w", m.Hostname, err)
		}
	}
	// Oldest first, so the imported runs' ids follow the order they were measured in.
	for i := len(listed) - 1; i >= 0; i-- {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE uid = ?`, listed[i].UID).Scan(&one)
		if err == nil {
			st.Duplicates++
			continue
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return st, fmt.Errorf("import: %w", err)
		}
		run, err := src.Run(ctx, listed[i].ID)
		if err != nil {
			return st, fmt.Errorf("import: %w", err)
		}
		mid, ok := ids[run.MachineID]
		if !ok {
			return st, fmt.Errorf("import run %d: its machine %d is missing from the source", run.ID, run.MachineID)
		}
		run.ID, run.MachineID = 0, mid
		stored, err := prepare(run)
		if err != nil {
			return st, fmt.Errorf("import run %d: %w", listed[i].ID, err)
		}
		if _, err := insertRunTx(ctx, tx, &stored); err != nil {
			return st, fmt.Errorf("import run %d: %w", listed[i].ID, err)
		}
		st.Runs++
	}
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("import: %w", err)
	}
	return st, nil
}
