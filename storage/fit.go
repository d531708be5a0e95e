package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// FitRecord is a fitted advisor model as stored: the model and its metrics as JSON, and which
// runs it saw (every run up to MaxRunID), so a reader can tell whether it is stale.
type FitRecord struct {
	ID          int64           `json:"id"`
	CreatedAt   time.Time       `json:"created_at"`
	NRuns       int             `json:"n_runs"`
	MaxRunID    int64           `json:"max_run_id"`
	ThresholdMs float64         `json:"threshold_ms"`
	Model       json.RawMessage `json:"model"`
	Metrics     json.RawMessage `json:"metrics"`
}

// SaveFit stores a fit and returns its id.
func (db *DB) SaveFit(ctx context.Context, f *FitRecord) (int64, error) {
	if !json.Valid(f.Model) || !json.Valid(f.Metrics) {
		return 0, errors.New("save fit: model and metrics must be JSON")
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = time.Now()
	}
	if db.readOnly {
		return 0, nil // a fit is a cache: without write access it is computed again next time
	}
	res, err := db.db.ExecContext(ctx, `INSERT INTO fits (created_at, n_runs, max_run_id, threshold_ms, model_json, metrics_json)
		VALUES (?, ?, ?, ?, ?, ?)`, formatTime(f.CreatedAt), f.NRuns, f.MaxRunID, f.ThresholdMs, string(f.Model), string(f.Metrics))
	if err != nil {
		return 0, fmt.Errorf("save fit: %w", err)
	}
	f.ID, err = res.LastInsertId()
	return f.ID, err
}

// LatestFit returns the newest fit made with the given interactive threshold, or an error
// matching ErrNotFound.
func (db *DB) LatestFit(ctx context.Context, thresholdMs float64) (*FitRecord, error) {
	var (
		f              FitRecord
		model, metrics string
	)
	err := db.db.QueryRowContext(ctx, `SELECT id, created_at, n_runs, max_run_id, threshold_ms, model_json, metrics_json
		FROM fits WHERE threshold_ms = ? ORDER BY id DESC LIMIT 1`, thresholdMs).
		Scan(&f.ID, timestamp{&f.CreatedAt}, &f.NRuns, &f.MaxRunID, &f.ThresholdMs, &model, &metrics)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no fit with a %g ms threshold yet: %w", thresholdMs, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read fit: %w", err)
	}
	f.Model, f.Metrics = json.RawMessage(model), json.RawMessage(metrics)
	return &f, nil
}

// MaxRunID is the id of the newest run, 0 when there is none: a fit that saw it is current.
func (db *DB) MaxRunID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := db.db.QueryRowContext(ctx, `SELECT MAX(id) FROM runs`).Scan(&id); err != nil {
		return 0, fmt.Errorf("read runs: %w", err)
	}
	return id.Int64, nil
}
