package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCheckPathRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
	}{
		{fifo, "this is a FIFO, not a database file"},
		{os.DevNull, "this is a device, not a database file"},
		{dir, "this is a folder, not a database file"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			// Open must not block on the FIFO: a deadline turns a hang into a failure.
			got := make(chan error, 1)
			go func() {
				db, err := Open(context.Background(), tt.path)
				if err == nil {
					db.Close()
				}
				got <- err
			}()
			select {
			case err := <-got:
				if !errors.Is(err, ErrNotWritable) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
			case <-time.After(time.Minute):
				t.Fatal("Open blocked")
			}
			if exists(tt.path+"-journal") || exists(tt.path+"-wal") {
				t.Fatal("Open left a journal beside it")
			}
		})
	}
	if err := CheckPath(filepath.Join(dir, "new.db")); err != nil {
		t.Fatalf("a new path: %v", err)
	}
}

func TestOpenReadOnlyCreatesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "runs.db")
	db, err := OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := db.Runs(context.Background(), RunFilter{})
	if err != nil || len(runs) != 0 {
		t.Fatalf("runs of a missing database: %v, %v", runs, err)
	}
	db.Close()
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("reading a missing database created %s", filepath.Dir(path))
	}
}

// The in-place path, which a read-only folder takes: reads work, nothing is written, and the
// caches that would be written are left out without an error.
func TestOpenInPlaceWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	db := openAt(t, path)
	id := upsertTestMachine(t, db)
	insertRun(t, db, fullRun(id))
	db.Close()
	before, _ := os.ReadFile(path)
	ro, err := openInPlace(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if runs, err := ro.Runs(context.Background(), RunFilter{}); err != nil || len(runs) != 1 {
		t.Fatalf("runs: %d, %v", len(runs), err)
	}
	if got, err := ro.UpsertMachine(context.Background(), testMachine()); err != nil || got != id {
		t.Fatalf("known machine: %d, %v; want %d", got, err, id)
	}
	if got, err := ro.UpsertMachine(context.Background(), Machine{Chip: "other"}); err != nil || got != 0 {
		t.Fatalf("unknown machine: %d, %v; want 0", got, err)
	}
	if _, err := ro.SaveFit(context.Background(), &FitRecord{Model: []byte("{}"), Metrics: []byte("{}")}); err != nil {
		t.Fatalf("save fit read-only: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) || exists(path+"-wal") {
		t.Fatal("a read-only open changed the file or created a -wal")
	}
}
