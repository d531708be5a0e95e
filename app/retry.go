package app

import (
	"context"
	"fmt"
	"time"

	"github.com/inferbench/inferbench/storage"
)

// DefaultStoreRetry is how long a finished measurement waits in memory for the database to
// take it, when another program holds the write lock or the disk is full.
const DefaultStoreRetry = 2 * time.Minute

// StoreError is a finished run that could not be stored: its cause and the cure.
type StoreError struct {
	Path  string
	Cause string
	Cure  string
	Err   error
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("the measurement finished but could not be stored in %s: %s (%v); %s", e.Path, e.Cause, e.Err, e.Cure)
}

func (e *StoreError) Unwrap() error { return e.Err }

// retryStore runs op until it succeeds, fails for a reason waiting will not cure, or
// b.StoreRetry passes; waiting ends early when wait does. b.Warn hears of every retry.
func (b *Bench) retryStore(wait context.Context, op func() error) error {
	limit := b.StoreRetry
	if limit <= 0 {
		limit = DefaultStoreRetry
	}
	deadline := time.Now().Add(limit)
	delay := 250 * time.Millisecond
	for {
		err := op()
		busy, full := storage.IsBusy(err), storage.IsFull(err)
		if err == nil || !busy && !full {
			return err
		}
		se := &StoreError{Path: b.Store.Path(), Err: err,
			Cause: "another program holds the database's write lock",
			Cure:  "close whatever has it open for writing (a sqlite3 shell in a transaction, another tool), then measure again"}
		if full {
			se.Cause, se.Cure = "the disk is full", "free some space on that disk, or pass --db to a database on another one, then measure again"
		}
		if time.Now().After(deadline) {
			return se
		}
		if b.Warn != nil {
			b.Warn(fmt.Sprintf("%s; keeping the run in memory and trying again for up to %s", se.Cause, time.Until(deadline).Round(time.Second)))
		}
		select {
		case <-time.After(delay):
		case <-wait.Done():
			return se
		}
		delay = min(2*delay, 5*time.Second)
	}
}
