package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
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
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/storage"
)

// A 2 × 2 × 2 grid of tiny models.
var tinyGrid = []string{"sweep", "--model", "tiny-gpt2,tiny-llama", "--precision", "fp32,fp16",
	"--context", "8,16", "--generate", "3", "--repeats", "2"}

func TestSweepRunsAndResumes(t *testing.T) {
	env := testEnv(t, true)
	db := filepath.Join(t.TempDir(), "sweep.db")
	args := append(append([]string{}, tinyGrid...), "--db", db)
	r := cli(t, env, args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, "summary", r.stdout, "8 configurations: 8 measured, 8 ok")
	mustContain(t, "log", r.stderr, "[8/8] ok tiny-llama fp16 ctx 16 batch 1 gen 3")
	if n := len(storedRuns(t, db)); n != 8 {
		t.Fatalf("%d runs, want 8", n)
	}
	// Groups load once: the log order is model, precision, then context.
	if i, j := strings.Index(r.stderr, "tiny-gpt2 fp32 ctx 16"), strings.Index(r.stderr, "tiny-gpt2 fp16 ctx 8"); i < 0 || j < i {
		t.Errorf("configurations not grouped by model and precision:\n%s", r.stderr)
	}

	r = cli(t, env, args...)
	mustContain(t, "rerun", r.stdout, "0 measured; 8 already measured")
	if n := len(storedRuns(t, db)); n != 8 {
		t.Fatalf("a rerun stored more runs: %d", n)
	}
	r = cli(t, env, append(args, "--force")...)
	mustContain(t, "forced rerun", r.stdout, "8 measured")
	if n := len(storedRuns(t, db)); n != 16 {
		t.Fatalf("--force stored %d runs in all, want 16", n)
	}
}

func TestSweepBadInputWritesNothing(t *testing.T) {
	env := testEnv(t, false)
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
			r := cli(t, env, append([]string{"sweep", "--db", db}, tt.args...)...)
			if r.code != command.ExitUsage {
				t.Fatalf("exit %d, want %d: %s", r.code, command.ExitUsage, r.stderr)
			}
			mustContain(t, "stderr", r.stderr, tt.want)
			if _, err := os.Stat(db); err == nil {
				t.Fatal("bad input created the database")
			}
		})
	}
}

// peakOf measures one configuration and returns its peak memory.
func peakOf(t *testing.T, env app.Env, db string, args ...string) int64 {
	t.Helper()
	r := cli(t, env, append([]string{"run", "--db", db, "--format", "json", "--warmup", "0", "--repeats", "1"}, args...)...)
	var got struct {
		Peak int64 `json:"peak_memory_bytes"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil {
		t.Fatalf("run %v: exit %d: %s", args, r.code, r.stderr)
	}
	return got.Peak
}

func TestSweepMemoryLimitBoundary(t *testing.T) {
	env := testEnv(t, true)
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
	r := cli(t, env, args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, "summary", r.stdout, "2 measured, 1 ok, 1 oom", "1 skipped after out-of-memory")
	status := map[int]storage.Run{}
	for _, run := range storedRuns(t, db) {
		status[run.Context] = run
		if run.MemoryLimitBytes != limit {
			t.Errorf("run at context %d stored budget %d, want %d", run.Context, run.MemoryLimitBytes, limit)
		}
	}
	if status[16].Status != "ok" || status[256].Status != "oom" || status[400].Status != "skipped" {
		t.Fatalf("statuses: 16 %q, 256 %q, 400 %q", status[16].Status, status[256].Status, status[400].Status)
	}
	mustContain(t, "oom reason", status[256].Error, "exceeds the memory limit")
	mustContain(t, "skip reason", status[400].Error, "ctx 256", "ran out of memory")

	// Resuming keeps the boundary: nothing is run or stored again.
	r = cli(t, env, args...)
	mustContain(t, "rerun", r.stdout, "0 measured; 3 already measured")
	if n := len(storedRuns(t, db)); n != 3 {
		t.Fatalf("%d runs after rerun, want 3", n)
	}
}

// startInferbench runs this test binary as inferbench (see TestMain).
func startInferbench(t *testing.T, env app.Env, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	argv, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "INFERBENCH_TEST_MAIN="+string(argv),
		"INFERBENCH_PYTHON="+env.Getenv("INFERBENCH_PYTHON"),
		"XDG_CACHE_HOME="+env.Getenv("XDG_CACHE_HOME"), "XDG_DATA_HOME="+env.Getenv("XDG_DATA_HOME"),
		"INFERBENCH_LOCK_DIR="+env.Getenv("INFERBENCH_LOCK_DIR"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &out
}

// waitForRuns polls the database until it holds at least n runs.
func waitForRuns(t *testing.T, db string, n int, out *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(db); err == nil && len(storedRuns(t, db)) >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("never saw %d runs in %s; inferbench said:\n%s", n, db, out)
}

// A slower grid, so a kill lands mid-sweep.
func slowGrid(db string) []string {
	return []string{"sweep", "--db", db, "--model", "tiny-gpt2,tiny-llama", "--precision", "fp32,fp16",
		"--context", "64,192", "--batch", "8", "--generate", "48", "--repeats", "3"}
}

func checkComplete(t *testing.T, db string, configs, repeats int) {
	t.Helper()
	runs := storedRuns(t, db)
	seen := map[string]bool{}
	for _, r := range runs {
		key := fmt.Sprintf("%s %s %d %d", r.Model, r.Precision, r.Context, r.Batch)
		if seen[key] {
			t.Errorf("configuration %s stored twice", key)
		}
		seen[key] = true
		if r.Status != "ok" {
			t.Errorf("run %d: status %q", r.ID, r.Status)
		}
	}
	if len(seen) != configs {
		t.Fatalf("%d configurations stored, want %d", len(seen), configs)
	}
	store, err := storage.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, r := range runs {
		full, err := store.Run(context.Background(), r.ID)
		if err != nil || full.Repeats != repeats || !apptest.Whole(full) {
			t.Fatalf("run %d has %d samples (%v), want %d", r.ID, len(full.Samples), err, repeats)
		}
	}
}

func TestSweepSurvivesKill9(t *testing.T) {
	env := testEnv(t, true)
	db := filepath.Join(t.TempDir(), "sweep.db")
	cmd, out := startInferbench(t, env, slowGrid(db)...)
	waitForRuns(t, db, 2, out)

	// Export while the sweep writes: WAL lets a reader in.
	r := cli(t, env, "export", "--db", db, "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil || len(rows) < 3 {
		t.Fatalf("export during the sweep: exit %d, %v, %d rows: %s", r.code, err, len(rows), r.stderr)
	}

	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// The kernel kills the worker with its parent (Linux), or the worker sees its parent go
	// (macOS); the bound is generous because it waits for that event, not for a time.
	apptest.WaitNoWorkers(t, env.Getenv("XDG_CACHE_HOME"), time.Minute)
	if n := len(storedRuns(t, db)); n >= 8 {
		t.Fatalf("the sweep finished (%d runs) before it was killed; the grid is too small to test this", n)
	}

	r = cli(t, env, slowGrid(db)...)
	if r.code != 0 {
		t.Fatalf("resume: exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, "resume", r.stderr, "already measured")
	checkComplete(t, db, 8, 3)
}

func TestSweepInterrupt(t *testing.T) {
	env := testEnv(t, true)
	db := filepath.Join(t.TempDir(), "sweep.db")
	cmd, out := startInferbench(t, env, slowGrid(db)...)
	waitForRuns(t, db, 1, out)
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
	mustContain(t, "output", out.String(), "Run the same command again to resume")
	apptest.WaitNoWorkers(t, env.Getenv("XDG_CACHE_HOME"), time.Minute)
	// Whatever was stored is whole.
	for _, r := range storedRuns(t, db) {
		if r.Status != "ok" {
			t.Fatalf("interrupted sweep stored a %q run", r.Status)
		}
	}
	r := cli(t, env, slowGrid(db)...)
	if r.code != 0 {
		t.Fatalf("resume: exit %d: %s", r.code, r.stderr)
	}
	checkComplete(t, db, 8, 3)
}
