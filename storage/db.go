// Package storage keeps Inferbench's measurements in a SQLite database: the
// machines that ran them, one row per run with its aggregates, and one row per
// measured repetition.
//
// The file is meant to be read by other tools too: column names carry their
// units (ttft_ms, peak_memory_bytes) and timestamps are RFC 3339 text in UTC.
package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Errors that Open can return, for use with errors.Is. The errors themselves
// carry the path and what to do about it.
var (
	// ErrNotWritable means the database file or its folder cannot be created
	// or written.
	ErrNotWritable = errors.New("database location is not writable")
	// ErrNotDatabase means the file exists but is not a SQLite database, or
	// is a SQLite database that Inferbench did not create. Open leaves such
	// a file untouched.
	ErrNotDatabase = errors.New("not an Inferbench database")
	// ErrTooNew means the database was written by a newer Inferbench whose
	// schema this one does not know. Open leaves such a file untouched.
	ErrTooNew = errors.New("database was written by a newer Inferbench")
	// ErrNotFound means a requested record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate means a run with the same uid is already stored.
	ErrDuplicate = errors.New("already stored")
)

// OpenError explains why Open could not use a database file. Kind is one of
// ErrNotWritable, ErrNotDatabase or ErrTooNew; errors.Is matches both Kind
// and the underlying error.
type OpenError struct {
	Path   string // the database file
	Kind   error  // ErrNotWritable, ErrNotDatabase or ErrTooNew
	Reason string // what is wrong, in words
	Hint   string // what to do about it
	Err    error  // the underlying error, or nil
}

func (e *OpenError) Error() string {
	msg := "open database " + e.Path + ": " + e.Reason
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

func (e *OpenError) Unwrap() []error {
	errs := []error{e.Kind}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

const (
	hintLocation  = "pass --db or set INFERBENCH_DB to a writable location"
	hintOtherFile = "move it aside, or pass --db or set INFERBENCH_DB to use another file"
	busyTimeoutMs = 5000
	// applicationID marks a SQLite file as Inferbench's ("Infb").
	applicationID = 0x496e6662
)

// sqliteHeader is how every SQLite database file starts.
var sqliteHeader = []byte("SQLite format 3\x00")

// DB is an open Inferbench database. It is safe for concurrent use.
type DB struct {
	db   *sql.DB
	path string
	// readOnly is a database opened by OpenReadOnly in place it cannot write, or a path with
	// no database behind it: caches (machines, fits) are not written.
	readOnly bool
}

// Open opens the database at path, creating it and its folder if needed, and
// brings its schema up to date.
//
// A file that is not an Inferbench database, or whose schema is newer than
// this build knows, is refused before anything is written to it.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, &OpenError{Path: `""`, Kind: ErrNotWritable, Reason: "no database path given", Hint: hintLocation}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &OpenError{Path: path, Kind: ErrNotWritable, Reason: "cannot resolve the path", Hint: hintLocation, Err: err}
	}
	if err := CheckPath(abs); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, &OpenError{Path: abs, Kind: ErrNotWritable, Reason: "cannot create its folder", Hint: hintLocation, Err: err}
	}
	if err := probe(ctx, abs); err != nil {
		return nil, err
	}
	// A database this call creates and then cannot set up (a full disk) is removed again, so
	// that no empty file is left to be mistaken for one. Only the opener that created the file
	// removes it: others opening it at the same moment are using it.
	created := createEmpty(abs)
	db, err := openFile(ctx, abs)
	for attempt := 1; err != nil && transient(err) && attempt < openAttempts && ctx.Err() == nil; attempt++ {
		time.Sleep(time.Duration(attempt) * openBackoff)
		db, err = openFile(ctx, abs)
	}
	if err != nil && created {
		for _, p := range []string{abs, abs + "-wal", abs + "-shm", abs + "-journal"} {
			os.Remove(p)
		}
	}
	return db, err
}

// Opening a new file from several processes at once can meet SQLite's own locks while the first
// sets up WAL mode, beyond what the busy timeout waits out; such an open is tried again.
const (
	openAttempts = 5
	openBackoff  = 20 * time.Millisecond
)

// transient reports whether an open failed on a lock another opener held for a moment.
func transient(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked || se.Code == sqlite3.ErrProtocol)
}

// createEmpty creates path as an empty file, which SQLite takes for an empty database, and
// reports whether this call created it.
func createEmpty(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// openFile opens and migrates a database file that passed the probe.
func openFile(ctx context.Context, abs string) (*DB, error) {

	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMs))
	q.Set("_txlock", "immediate")
	sqlDB, err := sql.Open("sqlite3", fileURI(abs, q))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, openFailure(abs, err)
	}
	if _, err := migrate(ctx, sqlDB); err != nil {
		sqlDB.Close()
		return nil, openFailure(abs, err)
	}
	return &DB{db: sqlDB, path: abs}, nil
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// OpenExisting opens the database at path, or returns nil when there is none yet, for what
// only reads (a dry run) and must not create one.
func OpenExisting(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	return Open(ctx, path)
}

// Close closes the database.
func (db *DB) Close() error {
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", db.path, err)
	}
	return nil
}

// probe checks an existing file with reads only, so that a file Open must
// refuse is never written to: not even the journal mode is set on it. The
// checks are made again under the write lock before each migration step (see
// judge), so a change between the probe and the migration is caught too.
func probe(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &OpenError{Path: path, Kind: ErrNotWritable, Reason: "cannot read the file", Hint: hintLocation, Err: err}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return &OpenError{Path: path, Kind: ErrNotWritable, Reason: "cannot read the file", Hint: hintLocation, Err: err}
	}
	if info.IsDir() {
		return &OpenError{Path: path, Kind: ErrNotWritable, Reason: "this is a folder, not a database file", Hint: hintLocation}
	}
	if info.Size() == 0 {
		return nil // SQLite treats an empty file as an empty database.
	}
	head := make([]byte, 100)
	if _, err := io.ReadFull(f, head); err != nil || !validHeader(head) {
		return notDatabase(path, "the file is not a SQLite database", nil)
	}

	// A read-only connection to a database in WAL mode creates -wal and -shm
	// files and, being read-only, cannot remove them. When there is no -wal
	// file, no one has the database open and everything is in the main file:
	// read it as immutable, which creates nothing. Should someone open it
	// meanwhile, a read that fails is tried again the ordinary way.
	inWAL := head[18] == 2
	immutable := inWAL && !exists(path+"-wal")
	st, err := inspectFile(ctx, path, immutable)
	if err != nil && immutable && isCorrupt(err) && exists(path+"-wal") {
		st, err = inspectFile(ctx, path, false)
	}
	if err != nil {
		if isCorrupt(err) {
			return notDatabase(path, "the file is not a SQLite database or is damaged", err)
		}
		return &OpenError{Path: path, Kind: ErrNotWritable, Reason: "cannot read the file", Hint: hintLocation, Err: err}
	}
	if err := judge(st); err != nil {
		err.Path = path
		return err
	}
	return nil
}

// validHeader reports whether b starts with a SQLite database header that
// SQLite itself would accept (https://sqlite.org/fileformat.html).
func validHeader(b []byte) bool {
	if len(b) < 100 || !bytes.Equal(b[:len(sqliteHeader)], sqliteHeader) {
		return false
	}
	pageSize := int(binary.BigEndian.Uint16(b[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	validPageSize := pageSize >= 512 && pageSize <= 65536 && pageSize&(pageSize-1) == 0
	validVersions := (b[18] == 1 || b[18] == 2) && (b[19] == 1 || b[19] == 2)
	return validPageSize && validVersions && b[21] == 64 && b[22] == 32 && b[23] == 32
}

// state is what Open needs to know about a database before writing to it.
type state struct {
	userVersion   int64
	applicationID int64
	objects       int // tables, indexes, views and triggers
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func inspect(ctx context.Context, q querier) (state, error) {
	var st state
	var schema int64
	// One statement, so one snapshot: read one at a time, the version could predate another
	// opener's migration and the table count follow it. Reading schema_version makes SQLite read
	// the file's header; counting sqlite_schema makes it parse the schema.
	err := q.QueryRowContext(ctx, `SELECT (SELECT schema_version FROM pragma_schema_version),
		(SELECT user_version FROM pragma_user_version), (SELECT application_id FROM pragma_application_id),
		(SELECT count(*) FROM sqlite_schema)`).Scan(&schema, &st.userVersion, &st.applicationID, &st.objects)
	return st, err
}

func inspectFile(ctx context.Context, path string, immutable bool) (state, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMs))
	if immutable {
		q.Set("immutable", "1")
	}
	ro, err := sql.Open("sqlite3", fileURI(path, q))
	if err != nil {
		return state{}, err
	}
	defer ro.Close()
	return inspect(ctx, ro)
}

// judge refuses a database that is not Inferbench's or is newer than this
// build. The returned error's Path is left for the caller to fill in.
func judge(st state) *OpenError {
	if st.applicationID != applicationID && (st.objects > 0 || st.userVersion != 0) {
		return notDatabase("", "the file is a SQLite database that Inferbench did not create", nil)
	}
	if st.userVersion > schemaVersion {
		return &OpenError{
			Kind:   ErrTooNew,
			Reason: fmt.Sprintf("it was written by a newer Inferbench (schema version %d; this one knows up to %d), so it was left untouched", st.userVersion, schemaVersion),
			Hint:   "upgrade Inferbench, or pass --db or set INFERBENCH_DB to use another file",
		}
	}
	return nil
}

func isCorrupt(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func notDatabase(path, reason string, err error) *OpenError {
	return &OpenError{Path: path, Kind: ErrNotDatabase, Reason: reason + ", so it was left untouched", Hint: hintOtherFile, Err: err}
}

// openFailure classifies an error from opening or migrating a file that
// passed the probe.
func openFailure(path string, err error) error {
	var oe *OpenError
	if errors.As(err, &oe) {
		oe.Path = path
		return oe
	}
	if isCorrupt(err) {
		return notDatabase(path, "the file is not a SQLite database or is damaged", err)
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrCantOpen, sqlite3.ErrReadonly, sqlite3.ErrPerm, sqlite3.ErrAuth, sqlite3.ErrFull:
			return &OpenError{Path: path, Kind: ErrNotWritable, Reason: "cannot write the file", Hint: hintLocation, Err: err}
		}
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

// fileURI turns an absolute path into a SQLite URI filename, escaping
// characters such as '?' and '#' that would otherwise end the path.
func fileURI(path string, q url.Values) string {
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}
