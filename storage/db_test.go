package storage

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestOpenCreatesSchema(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to open
	}{
		{"missing file", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "inferbench.db")
		}},
		{"missing folders", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "Application Support", "Inferbench", "inferbench.db")
		}},
		{"empty file", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "inferbench.db")
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{"characters that mean something in a URI", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "a?b#c%20 d", "x?mode=ro.db")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.setup(t, t.TempDir())
			db := openAt(t, path)
			if db.Path() != path {
				t.Errorf("Path() = %q, want %q", db.Path(), path)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("database file not at the given path: %v", err)
			}
			var user, app int
			if err := db.db.QueryRow("PRAGMA user_version").Scan(&user); err != nil {
				t.Fatal(err)
			}
			if user != schemaVersion {
				t.Errorf("user_version = %d, want %d", user, schemaVersion)
			}
			if err := db.db.QueryRow("PRAGMA application_id").Scan(&app); err != nil {
				t.Fatal(err)
			}
			if app != applicationID {
				t.Errorf("application_id = %#x, want %#x", app, applicationID)
			}
			want := []string{
				"index:runs_config", "index:runs_created_at", "index:runs_machine_id", "index:runs_software", "index:runs_uid", "table:agent", "table:fits",
				"table:machines", "table:queue", "table:runs", "table:samples",
			}
			if got := schemaObjects(t, db.db); !reflect.DeepEqual(got, want) {
				t.Errorf("schema objects = %v, want %v", got, want)
			}
			// The file works: a run goes in and comes out.
			id := insertRun(t, db, fullRun(upsertTestMachine(t, db)))
			if _, err := db.Run(context.Background(), id); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
}

func TestOpenRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	db := openAt(t, "inferbench.db")
	if want := filepath.Join(dir, "inferbench.db"); db.Path() != want {
		t.Errorf("Path() = %q, want %q", db.Path(), want)
	}
}

// schemaObjects lists the tables and indexes that the schema itself declares.
func schemaObjects(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var objs []string
	for rows.Next() {
		var typ, name string
		if err := rows.Scan(&typ, &name); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, typ+":"+name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestReopenIsNoOp(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "inferbench.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	id := insertRun(t, db, fullRun(upsertTestMachine(t, db)))
	want, err := db.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, path)

	db = openAt(t, path)
	if n, err := migrate(ctx, db.db); err != nil || n != 0 {
		t.Errorf("migrate on an up-to-date database applied %d steps (err %v), want 0", n, err)
	}
	// As when another process migrated between our read of the version
	// and our transaction.
	for from := range schemaVersion {
		if ok, err := migrateStep(ctx, db.db, from); ok || err != nil {
			t.Errorf("migrateStep(%d) on an up-to-date database = %v, %v; want false, nil", from, ok, err)
		}
	}
	got, err := db.Run(ctx, id)
	if err != nil {
		t.Fatalf("Run after reopening: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening, Run = %+v, want %+v", got, want)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if after := readFile(t, path); !bytes.Equal(before, after) {
		t.Error("opening and closing an up-to-date database changed the file")
	}
}

// TestMigrationStepIsAtomic checks that a step that fails leaves nothing of
// itself behind and the version where it was.
func TestMigrationStepIsAtomic(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "inferbench.db")
	openAt(t, path).Close()

	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = append(slices.Clip(saved), func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE half_done (x)`); err != nil {
			return err
		}
		return errors.New("step failed")
	})

	_, err := Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "step failed") {
		t.Fatalf("Open with a failing migration: err = %v, want the step's error", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("version %d", schemaVersion+1)) {
		t.Errorf("error %q does not say which version failed", err)
	}

	raw := rawOpen(t, path)
	var version int
	if err := raw.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != schemaVersion {
		t.Errorf("user_version after a failed step = %d, want %d", version, schemaVersion)
	}
	if objs := schemaObjects(t, raw); slices.Contains(objs, "table:half_done") {
		t.Error("a failed step left its table behind")
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	noise := make([]byte, 8192)
	rand.New(rand.NewSource(1)).Read(noise)

	tests := []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"random bytes", func(t *testing.T, path string) { writeFile(t, path, noise) }},
		{"short text", func(t *testing.T, path string) { writeFile(t, path, []byte("hello\n")) }},
		{"SQLite header, then garbage", func(t *testing.T, path string) {
			writeFile(t, path, append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xab}, 4080)...))
		}},
		{"damaged Inferbench database", func(t *testing.T, path string) {
			db, err := Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			insertRun(t, db, fullRun(upsertTestMachine(t, db)))
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			b := readFile(t, path)
			copy(b[100:], bytes.Repeat([]byte{0xff}, 400)) // the schema page after the header
			writeFile(t, path, b)
		}},
		{"another program's SQLite database", func(t *testing.T, path string) {
			raw := rawOpen(t, path)
			if _, err := raw.Exec(`CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')`); err != nil {
				t.Fatal(err)
			}
			raw.Close()
		}},
		{"another program's database using user_version", func(t *testing.T, path string) {
			raw := rawOpen(t, path)
			if _, err := raw.Exec(`PRAGMA user_version = 1`); err != nil {
				t.Fatal(err)
			}
			raw.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "inferbench.db")
			tt.write(t, path)
			before := readFile(t, path)
			entries := dirEntries(t, dir)

			db, err := Open(context.Background(), path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, ErrNotDatabase) {
				t.Errorf("err = %v, want ErrNotDatabase", err)
			}
			for _, want := range []string{path, "untouched", "--db", "INFERBENCH_DB"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if !bytes.Equal(readFile(t, path), before) {
				t.Error("Open changed the file it refused")
			}
			if got := dirEntries(t, dir); !reflect.DeepEqual(got, entries) {
				t.Errorf("Open left files behind: %v, before %v", got, entries)
			}
		})
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	tests := []struct {
		name string
		// keepOpen leaves a connection open, as a running newer Inferbench
		// would, so that the file has live -wal and -shm files.
		keepOpen bool
	}{
		{"closed file", false},
		{"file open elsewhere", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "inferbench.db")
			openAt(t, path).Close()
			raw := rawOpen(t, path)
			if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion+1)); err != nil {
				t.Fatal(err)
			}
			if tt.keepOpen {
				var n int
				if err := raw.QueryRow("SELECT count(*) FROM runs").Scan(&n); err != nil {
					t.Fatal(err)
				}
			} else {
				raw.Close()
			}
			before := readFile(t, path)
			entries := dirEntries(t, dir)

			db, err := Open(context.Background(), path)
			if err == nil {
				db.Close()
				t.Fatal("Open of a database from a newer Inferbench succeeded")
			}
			if !errors.Is(err, ErrTooNew) {
				t.Errorf("err = %v, want ErrTooNew", err)
			}
			for _, want := range []string{path, "upgrade", "untouched", fmt.Sprint(schemaVersion + 1)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if !bytes.Equal(readFile(t, path), before) {
				t.Error("Open changed the file it refused")
			}
			if got := dirEntries(t, dir); !reflect.DeepEqual(got, entries) {
				t.Errorf("Open left files behind: %v, before %v", got, entries)
			}
		})
	}
}

// TestMigrateChecksUnderLock checks that migrate itself refuses what the
// probe refuses, for a file that changed after the probe.
func TestMigrateChecksUnderLock(t *testing.T) {
	tests := []struct {
		name  string
		setup string
		want  error
	}{
		{"newer schema", fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = %d", applicationID, schemaVersion+1), ErrTooNew},
		{"another program's tables", "CREATE TABLE notes (body TEXT)", ErrNotDatabase},
		{"another program's user_version", "PRAGMA user_version = 1", ErrNotDatabase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := rawOpen(t, filepath.Join(t.TempDir(), "other.db"))
			if _, err := raw.Exec(tt.setup); err != nil {
				t.Fatal(err)
			}
			objs := schemaObjects(t, raw)
			if _, err := migrate(context.Background(), raw); !errors.Is(err, tt.want) {
				t.Errorf("migrate: err = %v, want %v", err, tt.want)
			}
			// The step checks again, inside its transaction.
			if _, err := migrateStep(context.Background(), raw, 0); !errors.Is(err, tt.want) {
				t.Errorf("migrateStep: err = %v, want %v", err, tt.want)
			}
			if got := schemaObjects(t, raw); !reflect.DeepEqual(got, objs) {
				t.Errorf("migrate changed the schema to %v", got)
			}
		})
	}
}

func TestOpenUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "not-a-folder")
	writeFile(t, file, []byte("x"))

	tests := []struct {
		name string
		path string
	}{
		{"parent is a regular file", filepath.Join(file, "inferbench.db")},
		{"ancestor is a regular file", filepath.Join(file, "Inferbench", "inferbench.db")},
		{"path is a folder", dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), tt.path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, ErrNotWritable) {
				t.Errorf("err = %v, want ErrNotWritable", err)
			}
			for _, want := range []string{tt.path, "--db", "INFERBENCH_DB", "writable"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
	if b := readFile(t, file); string(b) != "x" {
		t.Errorf("the regular file in the way was changed to %q", b)
	}
}

// rawOpen opens a file with the driver's defaults, as another program would.
func rawOpen(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
