package app_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"

	_ "github.com/mattn/go-sqlite3"
)

// holdWriteLock takes the database's write lock from another connection, as a sqlite3 shell
// in a transaction would; the returned func lets go.
func holdWriteLock(t *testing.T, path string) func() {
	t.Helper()
	other, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	other.SetMaxOpenConns(1)
	if _, err := other.Exec("BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	return func() { other.Exec("ROLLBACK"); other.Close() }
}

func retryBench(t *testing.T, retry time.Duration, warn func(string)) (*app.Bench, string) {
	t.Helper()
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "runs.db")
	store, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	// The machine is stored first, so that only the run meets the lock.
	if _, err := store.UpsertMachine(context.Background(), app.StorageMachine(engine.DetectMachine())); err != nil {
		t.Fatal(err)
	}
	return &app.Bench{Measurer: &apptest.Measurer{}, Store: store, Catalog: cat, Machine: engine.DetectMachine(),
		StoreRetry: retry, Warn: warn}, path
}

var retryCfg = engine.Config{Model: "tiny-gpt2", Precision: "fp32", Weights: "random", Context: 8, Generate: 4, Batch: 1, Repeats: 2}

// A finished run waits in memory while another program holds the write lock, and is stored
// once it lets go.
func TestRunWaitsForALockedDatabase(t *testing.T) {
	var release func()
	warned := make(chan string, 16)
	bench, path := retryBench(t, 10*time.Minute, func(msg string) {
		warned <- msg
		if release != nil {
			release()
			release = nil
		}
	})
	release = holdWriteLock(t, path)
	run, err := bench.Measure(context.Background(), retryCfg, app.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if msg := <-warned; !strings.Contains(msg, "another program holds the database's write lock") {
		t.Errorf("warning %q", msg)
	}
	if run.ID == 0 || run.Status != "ok" {
		t.Fatalf("stored %+v", run)
	}
}

// When the lock is never let go, the error names the cause and the cure.
func TestLockedDatabaseNamesCauseAndCure(t *testing.T) {
	bench, path := retryBench(t, time.Millisecond, nil)
	defer holdWriteLock(t, path)()
	_, err := bench.Measure(context.Background(), retryCfg, app.Hooks{})
	var se *app.StoreError
	if !errors.As(err, &se) || !storage.IsBusy(err) || !strings.Contains(err.Error(), "close whatever has it open for writing") {
		t.Fatalf("err = %v, want a StoreError with the cure", err)
	}
}
