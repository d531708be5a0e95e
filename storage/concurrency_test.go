package storage

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConnectionSettings(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	// Hold several connections at once so that each is a separate one.
	for i := range 3 {
		conn, err := db.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var mode string
		var fk, busy int
		if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || fk != 1 || busy != busyTimeoutMs {
			t.Errorf("connection %d: journal_mode=%s foreign_keys=%d busy_timeout=%d, want wal, 1, %d",
				i, mode, fk, busy, busyTimeoutMs)
		}
	}
}

// TestTransactionsLockAtBegin checks _txlock=immediate: a transaction holds
// the write lock from BEGIN, so two writers queue instead of failing when
// both try to upgrade a read lock.
func TestTransactionsLockAtBegin(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "inferbench.db")
	db := openAt(t, path)
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	other, err := sql.Open("sqlite3", path+"?_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.Exec(`INSERT INTO machines (fingerprint, chip, cores, memory_bytes, os, os_version, arch, hostname, created_at)
		VALUES ('x', '', 0, 0, '', '', '', '', '')`)
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("another writer during an open transaction that has not written yet: err = %v, want database is locked", err)
	}
}

func TestConcurrentOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inferbench.db")
	errs := make(chan error, 8)
	for range cap(errs) {
		go func() {
			db, err := Open(context.Background(), path)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Errorf("Open of a new file by several at once: %v", err)
		}
	}
}

// TestConcurrentAccess opens the file twice, as two Inferbench processes
// would, and checks what WAL promises: a reader is not blocked by an open
// write transaction, and a writer can commit while a reader holds a snapshot.
func TestConcurrentAccess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // below the busy timeout
	defer cancel()
	path := filepath.Join(t.TempDir(), "inferbench.db")
	writer := openAt(t, path)
	machine := upsertTestMachine(t, writer)
	insertRun(t, writer, fullRun(machine))
	reader := openAt(t, path)

	// A write transaction is open and has written, uncommitted.
	tx, err := writer.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET model = 'uncommitted'`); err != nil {
		t.Fatal(err)
	}
	runs, err := reader.Runs(ctx, RunFilter{})
	if err != nil {
		t.Fatalf("reading while a write transaction is open: %v", err)
	}
	if len(runs) != 1 || runs[0].Model != "gpt2" {
		t.Errorf("reader saw %+v, want the one committed gpt2 run", runs)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	// A reader holds a snapshot while the writer commits a new run.
	conn, err := reader.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		t.Fatal(err)
	}
	countIn := func() int {
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM runs").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := countIn(); n != 1 {
		t.Fatalf("reader sees %d runs, want 1", n)
	}
	if _, err := writer.InsertRun(ctx, fullRun(machine)); err != nil {
		t.Fatalf("writing while a reader holds a snapshot: %v", err)
	}
	if n := countIn(); n != 1 {
		t.Errorf("reader's snapshot changed to %d runs, want 1", n)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if n := countIn(); n != 2 {
		t.Errorf("after its snapshot ended, reader sees %d runs, want 2", n)
	}
}
