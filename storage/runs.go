package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RunFilter selects runs. Zero fields do not filter.
type RunFilter struct {
	Model     string
	Precision string
	Status    string
	Since     time.Time // runs created at or after this instant
	Limit     int       // at most this many runs
}

// columns lists the runs table's columns (without id) and, in the same
// order, pointers to the fields they hold. Inserts and reads both use it, so
// the two cannot drift apart.
// Run returns the run with the given id and its samples, ordered by
// repetition. It returns an error matching ErrNotFound if there is none.
func (db *DB) Run(ctx context.Context, id int64) (*Run, error) {
	var run Run
	cols, ptrs := run.selectColumns()
	err := db.db.QueryRowContext(ctx, "SELECT "+cols+runsFrom+" WHERE runs.id = ?", id).Scan(ptrs...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read run %d: %w", id, err)
	}

	var s Sample
	names, _ := s.columns()
	rows, err := db.db.QueryContext(ctx,
		"SELECT "+strings.Join(names, ", ")+" FROM samples WHERE run_id = ? ORDER BY rep", id)
	if err != nil {
		return nil, fmt.Errorf("read samples of run %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s Sample
		_, ptrs := s.columns()
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read samples of run %d: %w", id, err)
		}
		run.Samples = append(run.Samples, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read samples of run %d: %w", id, err)
	}
	return &run, nil
}

// Runs returns the runs that match the filter, newest first, without their
// samples.
func (db *DB) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	var where []string
	var args []any
	if f.Model != "" {
		where, args = append(where, "runs.model = ?"), append(args, f.Model)
	}
	if f.Precision != "" {
		where, args = append(where, "runs.precision = ?"), append(args, f.Precision)
	}
	if f.Status != "" {
		where, args = append(where, "runs.status = ?"), append(args, f.Status)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "runs.created_at >= ?"), append(args, formatTime(f.Since))
	}

	var run Run
	cols, _ := run.selectColumns()
	q := "SELECT " + cols + runsFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY runs.created_at DESC, runs.id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}

	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		var r Run
		_, ptrs := r.selectColumns()
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}
