// Package clitest runs the inferbench command line in tests as a user would: Main, in an
// environment of temporary folders, with a real worker where a test needs one, and as a separate
// process where a test kills or interrupts it.
package clitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// MainFunc is the command line's entry point, cli.Main.
type MainFunc func(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) int

// mainFunc is what Run and the re-executed test binary call; Main sets it.
var mainFunc MainFunc

// Main is a test package's TestMain: it makes main the command line that Run and
// StartInferbench run, and lets a test start this test binary as the inferbench command, so
// that tests can kill or interrupt a real inferbench process: INFERBENCH_TEST_MAIN holds its
// arguments.
func Main(m *testing.M, main MainFunc) {
	mainFunc = main
	if argv := os.Getenv("INFERBENCH_TEST_MAIN"); argv != "" {
		var args []string
		if err := json.Unmarshal([]byte(argv), &args); err != nil {
			panic(err)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := main(ctx, app.ProcessEnv(), args, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// Env is an environment of temporary folders; with needWorker, one whose worker can start
// (apptest.Env).
func Env(t *testing.T, needWorker bool) app.Env { return apptest.Env(t, needWorker) }

// SyncBuffer is a bytes.Buffer safe to read while a command writes to it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Catalog is the embedded model catalog.
func Catalog(t *testing.T) *engine.Catalog {
	t.Helper()
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// Result is how a command ended: its exit status and what it printed.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs the command line with args in env.
func Run(t *testing.T, env app.Env, args ...string) Result {
	t.Helper()
	var out, errb SyncBuffer
	code := mainFunc(context.Background(), env, args, &out, &errb)
	return Result{code, out.String(), errb.String()}
}

// FileHash is the SHA-256 of the file at path.
func FileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// MustContain fails the test for each of wants that got, named what, lacks.
func MustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}

// StoredRuns reads every run of the database at path, newest first.
func StoredRuns(t *testing.T, path string) []storage.Run {
	t.Helper()
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(context.Background(), storage.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// StartInferbench runs this test binary as inferbench (see Main).
func StartInferbench(t *testing.T, env app.Env, args ...string) (*exec.Cmd, *bytes.Buffer) {
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

// WaitForRuns polls the database until it holds at least n runs.
func WaitForRuns(t *testing.T, db string, n int, out *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(db); err == nil && len(StoredRuns(t, db)) >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("never saw %d runs in %s; inferbench said:\n%s", n, db, out)
}

// SlowGrid is a sweep of a slower grid into db, so that a kill lands mid-sweep.
func SlowGrid(db string) []string {
	return []string{"sweep", "--db", db, "--model", "tiny-gpt2,tiny-llama", "--precision", "fp32,fp16",
		"--context", "64,192", "--batch", "8", "--generate", "48", "--repeats", "3"}
}

// CheckComplete checks that db holds each of configs configurations once, ok and whole with
// its repeats repetitions.
func CheckComplete(t *testing.T, db string, configs, repeats int) {
	t.Helper()
	runs := StoredRuns(t, db)
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

// AnyConditions are agent flags that let it run without sensors, as on a server: every reading
// is then unknown, which the default policy refuses.
var AnyConditions = []string{"--ac-only=false", "--idle", "0", "--max-thermal", "critical"}

// ExitOf is the exit status of a process that Wait returned err for; -1 when it did not exit.
func ExitOf(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
