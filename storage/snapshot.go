package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// OpenSnapshot opens a copy of the database at path, for reading another machine's or an older
// file without writing to it: the copy is taken with VACUUM INTO over a read-only connection
// (consistent even while another process writes), then brought to this build's schema. Close
// removes the copy.
func OpenSnapshot(ctx context.Context, path string) (*Snapshot, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &OpenError{Path: path, Kind: ErrNotDatabase, Reason: "cannot resolve the path", Err: err}
	}
	if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return nil, &OpenError{Path: abs, Kind: ErrNotDatabase, Reason: "there is no such file", Hint: "give the path of an Inferbench database"}
	}
	if err := probe(ctx, abs); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "inferbench-snapshot-")
	if err != nil {
		return nil, fmt.Errorf("copy database %s: %w", abs, err)
	}
	copyPath := filepath.Join(dir, "snapshot.db")
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMs))
	ro, err := sql.Open("sqlite3", fileURI(abs, q))
	if err == nil {
		_, err = ro.ExecContext(ctx, "VACUUM INTO ?", copyPath)
		ro.Close()
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("copy database %s: %w", abs, err)
	}
	db, err := Open(ctx, copyPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("read database %s: %w", abs, err)
	}
	return &Snapshot{DB: db, Source: abs, dir: dir}, nil
}

// Snapshot is a private copy of a database file.
type Snapshot struct {
	*DB
	Source string // the file it was copied from
	dir    string
}

// Close closes the copy and removes it.
func (s *Snapshot) Close() error {
	err := s.DB.Close()
	if rmErr := os.RemoveAll(s.dir); err == nil {
		err = rmErr
	}
	return err
}
