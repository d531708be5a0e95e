package read_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/storage"
)

// exportFixture is a database with two measured runs of two repetitions each and one failed run
// whose error text a spreadsheet would take for a formula.
func exportFixture(t *testing.T) (app.Env, string) {
	t.Helper()
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "runs.db")
	for _, args := range [][]string{
		{"--model", "tiny-gpt2", "--precision", "fp16"},
		{"--model", "tiny-llama", "--precision", "int4"},
	} {
		r := clitest.Run(t, env, append([]string{"run", "--context", "8", "--generate", "4", "--repeats", "2", "--db", db}, args...)...)
		if r.Code != 0 {
			t.Fatalf("run %v: exit %d: %s", args, r.Code, r.Stderr)
		}
	}
	ctx := context.Background()
	store, err := storage.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	machine, err := store.UpsertMachine(ctx, storage.Machine{Chip: "test", Cores: 1, OS: "linux", Arch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	// Not a real measurement: a negative duration checks that numbers are never escaped.
	failed := &storage.Run{MachineID: machine, Model: "tiny-gpt2", Precision: "fp32", Context: 8, Generate: 4,
		Batch: 1, Repeats: 2, Status: storage.StatusError, Error: "=HYPERLINK(\"http://x\")", Backend: "cpu",
		DurationMs: -5}
	if _, err := store.InsertRun(ctx, failed); err != nil {
		t.Fatal(err)
	}
	return env, db
}

// documentedColumns reads the column names listed in docs/data.md under the given heading.
func documentedColumns(t *testing.T, heading string) []string {
	t.Helper()
	doc, err := os.ReadFile("../../../docs/data.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## "+heading+"\n")
	if !ok {
		t.Fatalf("docs/data.md has no section %q", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var names []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|").FindAllStringSubmatch(section, -1) {
		names = append(names, m[1])
	}
	return names
}

func readCSV(t *testing.T, text string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, text)
	}
	return rows
}

func TestExport(t *testing.T) {
	env, db := exportFixture(t)
	export := func(t *testing.T, args ...string) string {
		t.Helper()
		r := clitest.Run(t, env, append([]string{"export", "--db", db}, args...)...)
		if r.Code != 0 {
			t.Fatalf("export %v: exit %d: %s", args, r.Code, r.Stderr)
		}
		return r.Stdout
	}

	t.Run("csv", func(t *testing.T) {
		rows := readCSV(t, export(t))
		if want := documentedColumns(t, "Run columns"); !slices.Equal(rows[0], want) {
			t.Fatalf("header = %v\ndocs/data.md lists %v", rows[0], want)
		}
		if len(rows) != 4 {
			t.Fatalf("%d data rows, want 3", len(rows)-1)
		}
		col := slices.Index(rows[0], "error")
		dur := slices.Index(rows[0], "duration_ms")
		// Newest first: the inserted failed run.
		if rows[1][col] != `'=HYPERLINK("http://x")` || rows[1][dur] != "-5" {
			t.Errorf("failed run: error %q, duration_ms %q; want the error escaped and the number not", rows[1][col], rows[1][dur])
		}
	})

	t.Run("samples csv", func(t *testing.T) {
		rows := readCSV(t, export(t, "--samples"))
		if want := documentedColumns(t, "Sample columns"); !slices.Equal(rows[0], want) {
			t.Fatalf("header = %v\ndocs/data.md lists %v", rows[0], want)
		}
		if len(rows) != 5 {
			t.Fatalf("%d sample rows, want 4 (2 runs × 2 repetitions)", len(rows)-1)
		}
		lat := slices.Index(rows[0], "token_latencies_ms")
		for _, row := range rows[1:] {
			var ms []float64
			if err := json.Unmarshal([]byte(row[lat]), &ms); err != nil || len(ms) != 3 {
				t.Errorf("token_latencies_ms %q: %v, %d values, want 3", row[lat], err, len(ms))
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		var runs []map[string]any
		if err := json.Unmarshal([]byte(export(t, "--format", "json")), &runs); err != nil || len(runs) != 3 {
			t.Fatalf("json: %v, %d runs", err, len(runs))
		}
		for _, k := range documentedColumns(t, "Run columns") {
			if _, ok := runs[0][k]; !ok {
				t.Errorf("json lacks %q", k)
			}
		}
		if runs[0]["error"] != `=HYPERLINK("http://x")` {
			t.Errorf("json error = %q: only csv escapes", runs[0]["error"])
		}
	})

	t.Run("jsonl samples", func(t *testing.T) {
		out := export(t, "--format", "jsonl", "--samples")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 4 {
			t.Fatalf("%d lines, want 4:\n%s", len(lines), out)
		}
		for _, l := range lines {
			var row map[string]any
			if err := json.Unmarshal([]byte(l), &row); err != nil {
				t.Fatalf("line %q: %v", l, err)
			}
			if ms, ok := row["token_latencies_ms"].([]any); !ok || len(ms) != 3 {
				t.Errorf("token_latencies_ms = %v, want an array of 3", row["token_latencies_ms"])
			}
		}
	})

	t.Run("md", func(t *testing.T) {
		lines := strings.Split(strings.TrimSpace(export(t, "--format", "md")), "\n")
		if len(lines) != 5 || !strings.HasPrefix(lines[0], "| run_id |") || !strings.HasPrefix(lines[1], "| --- |") {
			t.Fatalf("md:\n%s", strings.Join(lines, "\n"))
		}
	})

	t.Run("filters", func(t *testing.T) {
		tests := []struct {
			args []string
			rows int
		}{
			{[]string{"--model", "tiny-llama"}, 1},
			{[]string{"--model", "tiny-gpt2"}, 2},
			{[]string{"--precision", "fp16"}, 1},
			{[]string{"--status", "ok"}, 2},
			{[]string{"--status", "error"}, 1},
			{[]string{"--since", "2000-01-01"}, 3},
			{[]string{"--since", "2999-01-01T00:00:00Z"}, 0},
			{[]string{"--model", "tiny-gpt2", "--samples"}, 2},
		}
		for _, tt := range tests {
			if n := len(readCSV(t, export(t, tt.args...))) - 1; n != tt.rows {
				t.Errorf("%v: %d rows, want %d", tt.args, n, tt.rows)
			}
		}
	})

	t.Run("out", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "runs.jsonl")
		os.WriteFile(path, []byte("old and longer than the new content will ever be, surely\n"), 0o640)
		for range 2 {
			if out := export(t, "--format", "jsonl", "--out", path); out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil || strings.Count(string(b), "\n") != 3 || strings.Contains(string(b), "old") {
			t.Fatalf("%s: %v\n%s", path, err, b)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, want the replaced file's 0640", fi.Mode().Perm())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("folder holds %d entries, want only runs.jsonl", len(entries))
		}
	})
}

func TestExportBadInput(t *testing.T) {
	env := clitest.Env(t, false)
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("x"), 0o644)
	tests := []struct {
		name   string
		args   []string
		want   []string
		noFile string
	}{
		{"out under a file", []string{"--out", filepath.Join(notDir, "runs.csv")},
			[]string{filepath.Join(notDir, "runs.csv"), "existing folder"}, filepath.Join(notDir, "runs.csv")},
		{"out in a missing folder", []string{"--out", filepath.Join(dir, "missing", "runs.csv")},
			[]string{filepath.Join(dir, "missing", "runs.csv"), "existing folder"}, filepath.Join(dir, "missing")},
		{"out is a folder", []string{"--out", dir}, []string{dir, "is a folder"}, ""},
		{"unknown status", []string{"--status", "done"}, []string{`--status "done"`, "ok, oom, crash, timeout, error, interrupted, skipped"}, ""},
		{"unknown format", []string{"--format", "table"}, []string{`--format "table"`, "csv, json, jsonl, md or parquet"}, ""},
		{"bad since", []string{"--since", "yesterday"}, []string{`--since "yesterday"`}, ""},
		{"stray argument", []string{"runs.csv"}, []string{`unexpected argument "runs.csv"`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := clitest.Run(t, env, append([]string{"export", "--db", db}, tt.args...)...)
			if r.Code != command.ExitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s", r.Code, command.ExitUsage, r.Stderr)
			}
			clitest.MustContain(t, "stderr", r.Stderr, tt.want...)
			if tt.noFile != "" {
				if _, err := os.Stat(tt.noFile); err == nil {
					t.Errorf("%s exists after a failed export", tt.noFile)
				}
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%s holds %d entries, want only the file put there: bad input must write nothing", dir, len(entries))
	}
}

func TestSafeCell(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"+1", "'+1"},
		{"-x", "'-x"},
		{"@a", "'@a"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"plain", "plain"},
		{"", ""},
		{"a=b", "a=b"},
		{-5, "-5"},
		{int64(-5), "-5"},
		{-5.5, "-5.5"},
		{nil, ""},
		{[]float64{-1, 2}, "[-1,2]"},
	}
	for _, tt := range tests {
		if got := report.SafeCell(tt.in); got != tt.want {
			t.Errorf("SafeCell(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
