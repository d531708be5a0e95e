package measure_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/storage"
)

// A 2 × 2 × 2 grid of tiny models.
var tinyGrid = []string{"sweep", "--model", "tiny-gpt2,tiny-llama", "--precision", "fp32,fp16",
	"--context", "8,16", "--generate", "3", "--repeats", "2"}

func TestSweepRunsAndResumes(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "sweep.db")
	args := append(append([]string{}, tinyGrid...), "--db", db)
	r := clitest.Run(t, env, args...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	clitest.MustContain(t, "summary", r.Stdout, "8 configurations: 8 measured, 8 ok")
	clitest.MustContain(t, "log", r.Stderr, "[8/8] ok tiny-llama fp16 ctx 16 batch 1 gen 3")
	if n := len(clitest.StoredRuns(t, db)); n != 8 {
		t.Fatalf("%d runs, want 8", n)
	}
	// Groups load once: the log order is model, precision, then context.
	if i, j := strings.Index(r.Stderr, "tiny-gpt2 fp32 ctx 16"), strings.Index(r.Stderr, "tiny-gpt2 fp16 ctx 8"); i < 0 || j < i {
		t.Errorf("configurations not grouped by model and precision:\n%s", r.Stderr)
	}

	r = clitest.Run(t, env, args...)
	clitest.MustContain(t, "rerun", r.Stdout, "0 measured; 8 already measured")
	if n := len(clitest.StoredRuns(t, db)); n != 8 {
		t.Fatalf("a rerun stored more runs: %d", n)
	}
	r = clitest.Run(t, env, append(args, "--force")...)
	clitest.MustContain(t, "forced rerun", r.Stdout, "8 measured")
	if n := len(clitest.StoredRuns(t, db)); n != 16 {
		t.Fatalf("--force stored %d runs in all, want 16", n)
	}
}

func TestSweepBadInputWritesNothing(t *testing.T) {
	env := clitest.Env(t, false)
	dir := t.TempDir()
	db := filepath.Join(dir, "never.db")
	badFile := filepath.Join(dir, "bad.json")
	os.WriteFile(badFile, []byte("{\n  \"models\": [\"tiny-gpt2\"],\n  \"contexts\": [\"8-*2\"]\n}\n"), 0o644)
	unknownKey := filepath.Join(dir, "key.json")
	os.WriteFile(unknownKey, []byte("{\n  \"models\": [\"tiny-gpt2\"],\n  \"batch\": [1]\n}\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown model", []string{"--model", "tiny-gpt2,gpt-17"}, `unknown model "gpt-17"`},
		{"negative context", []string{"--model", "tiny-gpt2", "--context", "-8"}, "--context"},
		{"empty list item", []string{"--model", "tiny-gpt2,,tiny-llama"}, "--model"},
		{"malformed range", []string{"--model", "tiny-gpt2", "--context", "8-64"}, "no step"},
		{"context beyond positions", []string{"--model", "tiny-gpt2", "--context", "300"}, "256 positions"},
		{"no model", []string{"--context", "8"}, "--model is required"},
		{"bad file names the line", []string{"--file", badFile}, "bad.json:3:"},
		{"unknown field in file", []string{"--file", unknownKey}, `key.json:3:3: unknown field "batch"`},
		{"file and flags", []string{"--file", badFile, "--context", "8"}, "drop [--context]"},
		{"missing file", []string{"--file", filepath.Join(dir, "nope.json")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := clitest.Run(t, env, append([]string{"sweep", "--db", db}, tt.args...)...)
			if r.Code != command.ExitUsage {
				t.Fatalf("exit %d, want %d: %s", r.Code, command.ExitUsage, r.Stderr)
			}
			clitest.MustContain(t, "stderr", r.Stderr, tt.want)
			if _, err := os.Stat(db); err == nil {
				t.Fatal("bad input created the database")
			}
		})
	}
}

// peakOf measures one configuration and returns its peak memory.
func peakOf(t *testing.T, env app.Env, db string, args ...string) int64 {
	t.Helper()
	r := clitest.Run(t, env, append([]string{"run", "--db", db, "--format", "json", "--warmup", "0", "--repeats", "1"}, args...)...)
	var got struct {
		Peak int64 `json:"peak_memory_bytes"`
	}
	if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &got) != nil {
		t.Fatalf("run %v: exit %d: %s", args, r.Code, r.Stderr)
	}
	return got.Peak
}

func TestSweepMemoryLimitBoundary(t *testing.T) {
	env := clitest.Env(t, true)
	dir := t.TempDir()
	model := []string{"--model", "tiny-llama", "--precision", "fp16", "--batch", "8", "--generate", "4"}
	small := peakOf(t, env, filepath.Join(dir, "probe.db"), append(model, "--context", "16")...)
	large := peakOf(t, env, filepath.Join(dir, "probe.db"), append(model, "--context", "256")...)
	if large <= small {
		t.Fatalf("peaks do not grow with context: %d then %d", small, large)
	}
	limit := (small + large) / 2
	db := filepath.Join(dir, "sweep.db")
	args := append([]string{"sweep", "--db", db, "--warmup", "0", "--repeats", "1", "--context", "16,256,400",
		"--memory-limit", strconv.FormatInt(limit, 10)}, model...)
	r := clitest.Run(t, env, args...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	clitest.MustContain(t, "summary", r.Stdout, "2 measured, 1 ok, 1 oom", "1 skipped after out-of-memory")
	status := map[int]storage.Run{}
	for _, run := range clitest.StoredRuns(t, db) {
		status[run.Context] = run
		if run.MemoryLimitBytes != limit {
			t.Errorf("run at context %d stored budget %d, want %d", run.Context, run.MemoryLimitBytes, limit)
		}
	}
	if status[16].Status != "ok" || status[256].Status != "oom" || status[400].Status != "skipped" {
		t.Fatalf("statuses: 16 %q, 256 %q, 400 %q", status[16].Status, status[256].Status, status[400].Status)
	}
	clitest.MustContain(t, "oom reason", status[256].Error, "exceeds the memory limit")
	clitest.MustContain(t, "skip reason", status[400].Error, "ctx 256", "ran out of memory")

	// Resuming keeps the boundary: nothing is run or stored again.
	r = clitest.Run(t, env, args...)
	clitest.MustContain(t, "rerun", r.Stdout, "0 measured; 3 already measured")
	if n := len(clitest.StoredRuns(t, db)); n != 3 {
		t.Fatalf("%d runs after rerun, want 3", n)
	}
}

func TestSweepSurvivesKill9(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "sweep.db")
	cmd, out := clitest.StartInferbench(t, env, clitest.SlowGrid(db)...)
	clitest.WaitForRuns(t, db, 2, out)

	// Export while the sweep writes: WAL lets a reader in.
	r := clitest.Run(t, env, "export", "--db", db, "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(r.Stdout)).ReadAll()
	if r.Code != 0 || err != nil || len(rows) < 3 {
		t.Fatalf("export during the sweep: exit %d, %v, %d rows: %s", r.Code, err, len(rows), r.Stderr)
	}

	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// The kernel kills the worker with its parent (Linux), or the worker sees its parent go
	// (macOS); the bound is generous because it waits for that event, not for a time.
	apptest.WaitNoWorkers(t, env.Getenv("XDG_CACHE_HOME"), time.Minute)
	if n := len(clitest.StoredRuns(t, db)); n >= 8 {
		t.Fatalf("the sweep finished (%d runs) before it was killed; the grid is too small to test this", n)
	}

	r = clitest.Run(t, env, clitest.SlowGrid(db)...)
	if r.Code != 0 {
		t.Fatalf("resume: exit %d: %s", r.Code, r.Stderr)
	}
	clitest.MustContain(t, "resume", r.Stderr, "already measured")
	clitest.CheckComplete(t, db, 8, 3)
}

func TestSweepInterrupt(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "sweep.db")
	cmd, out := clitest.StartInferbench(t, env, clitest.SlowGrid(db)...)
	clitest.WaitForRuns(t, db, 1, out)
	time.Sleep(300 * time.Millisecond) // into the next configuration
	t0 := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	took := time.Since(t0)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != command.ExitInterrupted {
		t.Fatalf("exit: %v, want status %d\n%s", err, command.ExitInterrupted, out)
	}
	if took > time.Second {
		t.Errorf("stopping took %s, want under a second", took)
	}
	clitest.MustContain(t, "output", out.String(), "Run the same command again to resume")
	apptest.WaitNoWorkers(t, env.Getenv("XDG_CACHE_HOME"), time.Minute)
	// Whatever was stored is whole.
	for _, r := range clitest.StoredRuns(t, db) {
		if r.Status != "ok" {
			t.Fatalf("interrupted sweep stored a %q run", r.Status)
		}
	}
	r := clitest.Run(t, env, clitest.SlowGrid(db)...)
	if r.Code != 0 {
		t.Fatalf("resume: exit %d: %s", r.Code, r.Stderr)
	}
	clitest.CheckComplete(t, db, 8, 3)
}
