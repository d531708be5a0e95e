package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/inferbench/inferbench/engine"
)

// QueueItem is one configuration the background agent is to measure, whole: every setting of
// it is stored and read back. Whether it still needs measuring is not stored: it is pending
// while no run of it exists for the current machine and MLX version (Completed), so an MLX
// upgrade queues everything again by itself.
type QueueItem struct {
	ID       int64
	Config   engine.Config // its model as resolved: a checkpoint folder by its absolute path
	Priority int           // lower runs first
}

// queueColumns are the queue's columns (without id and added_at) and, in the same order, the
// fields of q they hold; Enqueue and Queue both use them, so the two cannot drift apart.
func (q *QueueItem) queueColumns() ([]string, []any) {
	c := &q.Config
	fields := []struct {
		name string
		ptr  any
	}{
		{"model", &c.Model},
		{"precision", &c.Precision},
		{"weights", &c.Weights},
		{"context_tokens", &c.Context},
		{"generate_tokens", &c.Generate},
		{"batch_size", &c.Batch},
		{"warmup", &c.Warmup},
		{"repeats", &c.Repeats},
		{"processes", &c.Processes},
		{"seed", &c.Seed},
		{"target_ci", &c.TargetCI},
		{"min_repeats", &c.MinRepeats},
		{"memory_limit_bytes", &c.MemoryLimit},
		{"timeout_ns", (*int64)(&c.Timeout)},
		{"priority", &q.Priority},
	}
	names := make([]string, len(fields))
	ptrs := make([]any, len(fields))
	for i, f := range fields {
		names[i], ptrs[i] = f.name, f.ptr
	}
	return names, ptrs
}

// queueKey is what makes a queued item the same configuration as another: one shape is queued
// once, with the settings it was last queued with.
var queueKey = []string{"model", "precision", "weights", "context_tokens", "generate_tokens", "batch_size", "memory_limit_bytes"}

// Enqueue adds items in one transaction; an item already queued (the same model, precision,
// weights, sizes and budget) keeps its place but takes the new priority and the new settings.
// It returns how many were new.
func (db *DB) Enqueue(ctx context.Context, items []QueueItem) (int, error) {
	var probe QueueItem
	names, _ := probe.queueColumns()
	var update []string
	for _, n := range names {
		if !slices.Contains(queueKey, n) {
			update = append(update, n+" = excluded."+n)
		}
	}
	stmt := `INSERT INTO queue (` + strings.Join(names, ", ") + `, added_at) VALUES (?` + strings.Repeat(", ?", len(names)) + `)
		ON CONFLICT (` + strings.Join(queueKey, ", ") + `) DO UPDATE SET ` + strings.Join(update, ", ")
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("queue: %w", err)
	}
	defer tx.Rollback()
	count := func() (n int, err error) {
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM queue`).Scan(&n)
		return n, err
	}
	before, err := count()
	if err != nil {
		return 0, fmt.Errorf("queue: %w", err)
	}
	now := formatTime(time.Now())
	for _, q := range items {
		_, values := q.queueColumns()
		if _, err := tx.ExecContext(ctx, stmt, append(values, now)...); err != nil {
			return 0, fmt.Errorf("queue %s: %w", q.Config.Model, err)
		}
	}
	after, err := count()
	if err != nil {
		return 0, fmt.Errorf("queue: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("queue: %w", err)
	}
	return after - before, nil
}

// Queue lists every queued item, by priority. An item queued before its timeout was kept
// reads as engine.DefaultTimeout.
func (db *DB) Queue(ctx context.Context) ([]QueueItem, error) {
	var probe QueueItem
	names, _ := probe.queueColumns()
	rows, err := db.db.QueryContext(ctx, `SELECT id, `+strings.Join(names, ", ")+` FROM queue ORDER BY priority, id`)
	if err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	defer rows.Close()
	var items []QueueItem
	for rows.Next() {
		var q QueueItem
		_, ptrs := q.queueColumns()
		if err := rows.Scan(append([]any{&q.ID}, ptrs...)...); err != nil {
			return nil, fmt.Errorf("read queue: %w", err)
		}
		if q.Config.Timeout <= 0 {
			q.Config.Timeout = engine.DefaultTimeout
		}
		items = append(items, q)
	}
	return items, rows.Err()
}

// ClearQueue removes every queued item.
func (db *DB) ClearQueue(ctx context.Context) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM queue`)
	return err
}

// AgentState is what a running agent publishes about itself.
type AgentState struct {
	PID       int
	State     string
	Reason    string
	Current   string
	Pending   int // configurations left in the queue
	UpdatedAt time.Time
}

// SetAgentState replaces the published agent state.
func (db *DB) SetAgentState(ctx context.Context, s AgentState) error {
	if s.UpdatedAt.IsZero() {
		s.UpdatedAt = time.Now()
	}
	_, err := db.db.ExecContext(ctx, `INSERT INTO agent (id, pid, state, reason, current, pending, updated_at)
		VALUES (1, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, state = excluded.state, reason = excluded.reason,
		current = excluded.current, pending = excluded.pending, updated_at = excluded.updated_at`,
		s.PID, s.State, s.Reason, s.Current, s.Pending, formatTime(s.UpdatedAt))
	if err != nil {
		return fmt.Errorf("publish agent state: %w", err)
	}
	return nil
}

// GetAgentState returns the last published agent state, or an error matching ErrNotFound.
func (db *DB) GetAgentState(ctx context.Context) (*AgentState, error) {
	var s AgentState
	err := db.db.QueryRowContext(ctx, `SELECT pid, state, reason, current, pending, updated_at FROM agent WHERE id = 1`).
		Scan(&s.PID, &s.State, &s.Reason, &s.Current, &s.Pending, timestamp{&s.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no agent has run: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read agent state: %w", err)
	}
	return &s, nil
}
