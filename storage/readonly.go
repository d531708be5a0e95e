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
	"syscall"
)

// CheckPath refuses, without opening anything, a database path that names something other
// than a regular file: a folder, a FIFO (whose open would block for ever), a device such as
// /dev/null, a socket. A path that does not exist yet is fine.
func CheckPath(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return &OpenError{Path: path, Kind: ErrNotWritable, Reason: "cannot resolve the path", Hint: hintLocation, Err: err}
	}
	info, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &OpenError{Path: abs, Kind: ErrNotWritable, Reason: "cannot read the file", Hint: hintLocation, Err: err}
	}
	if info.Mode().IsRegular() {
		return nil
	}
	kind := "not a regular file"
	switch m := info.Mode(); {
	case m.IsDir():
		kind = "a folder"
	case m&fs.ModeNamedPipe != 0:
		kind = "a FIFO"
	case m&fs.ModeDevice != 0:
		kind = "a device"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	}
	return &OpenError{Path: abs, Kind: ErrNotWritable, Reason: "this is " + kind + ", not a database file", Hint: hintLocation}
}

// OpenReadOnly opens the database at path for commands that only read. It creates nothing:
// a path with no database behind it reads as an empty database held in memory. Where the
// file and its folder are writable it is opened as Open does, which brings an older schema up
// to date; elsewhere (a read-only folder or mount) it is read in place, and writes that only
// cache (machines, fits) are left out.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if err := CheckPath(path); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return openEmpty(ctx, abs)
	}
	if writable(abs) && writable(filepath.Dir(abs)) {
		return Open(ctx, abs)
	}
	return openInPlace(ctx, abs)
}

// openInPlace reads the database at abs without writing anything, not even a -wal or -shm file.
func openInPlace(ctx context.Context, abs string) (*DB, error) {
	if err := probe(ctx, abs); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMs))
	// With no -wal file, everything is in the main file and a read creates nothing.
	if !exists(abs + "-wal") {
		q.Set("immutable", "1")
	}
	sqlDB, err := sql.Open("sqlite3", fileURI(abs, q))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	st, err := inspect(ctx, sqlDB)
	if err != nil {
		sqlDB.Close()
		return nil, openFailure(abs, err)
	}
	if st.userVersion < schemaVersion {
		sqlDB.Close()
		return nil, &OpenError{Path: abs, Kind: ErrNotWritable,
			Reason: fmt.Sprintf("its schema (version %d) is older than this Inferbench's (%d) and the file cannot be written to update it", st.userVersion, schemaVersion),
			Hint:   "run any inferbench command on it once where it is writable, or copy it somewhere writable"}
	}
	return &DB{db: sqlDB, path: abs, readOnly: true}, nil
}

// openEmpty is a database with the current schema in memory, named after path.
func openEmpty(ctx context.Context, path string) (*DB, error) {
	sqlDB, err := sql.Open("sqlite3", "file::memory:?_foreign_keys=on")
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(1) // each connection to :memory: is a database of its own
	if _, err := migrate(ctx, sqlDB); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return &DB{db: sqlDB, path: path, readOnly: true}, nil
}

func writable(path string) bool { return syscall.Access(path, 2 /* W_OK */) == nil }
