package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// QueueItem is one configuration the background agent is to measure. Whether it still needs
// measuring is not stored: it is pending while no run of it exists for the current machine and
// MLX version (Completed), so an MLX upgrade queues everything again by itself.
type QueueItem struct {
	ID               int64
	Model            string
	Precision        string
	Weights          string
	Context          int
	Generate         int
	Batch            int
	Warmup           int
	Repeats          int
	MemoryLimitBytes int64
	Priority         int // lower runs first
}

// Key is the configuration the item measures.
func (q QueueItem) Key() RunKey {
	return RunKey{Model: q.Model, Precision: q.Precision, Context: q.Context, Generate: q.Generate,
		Batch: q.Batch, MemoryLimitBytes: q.MemoryLimitBytes, Weights: q.Weights, Warmup: q.Warmup,
		Repeats: q.Repeats, Processes: 1}
}

// Enqueue adds items in one transaction; an item already queued keeps its place but takes the
// new priority and repetition counts. It returns how many were new.
func (db *DB) Enqueue(ctx context.Context, items []QueueItem) (int, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("queue: %w", err)
	}
	defer tx.Rollback()
	added := 0
	now := formatTime(time.Now())
	for _, q := range items {
		res, err := tx.ExecContext(ctx, `INSERT INTO queue (model, precision, weights, context_tokens, generate_tokens,
			batch_size, warmup, repeats, memory_limit_bytes, priority, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (model, precision, weights, context_tokens, generate_tokens, batch_size, memory_limit_bytes)
			DO UPDATE SET priority = excluded.priority, warmup = excluded.warmup, repeats = excluded.repeats`,
			q.Model, q.Precision, q.Weights, q.Context, q.Generate, q.Batch, q.Warmup, q.Repeats, q.MemoryLimitBytes, q.Priority, now)
		if err != nil {
			return 0, fmt.Errorf("queue %s: %w", q.Model, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("queue: %w", err)
	}
	return added, nil
}

// Queue lists every queued item, by priority.
func (db *DB) Queue(ctx context.Context) ([]QueueItem, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, model, precision, weights, context_tokens, generate_tokens,
		batch_size, warmup, repeats, memory_limit_bytes, priority FROM queue ORDER BY priority, id`)
	if err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	defer rows.Close()
	var items []QueueItem
	for rows.Next() {
		var q QueueItem
		if err := rows.Scan(&q.ID, &q.Model, &q.Precision, &q.Weights, &q.Context, &q.Generate, &q.Batch,
			&q.Warmup, &q.Repeats, &q.MemoryLimitBytes, &q.Priority); err != nil {
			return nil, fmt.Errorf("read queue: %w", err)
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
