package measure_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/storage"
)

func statusJSON(t *testing.T, env app.Env, db string) map[string]any {
	t.Helper()
	r := clitest.Run(t, env, "status", "--db", db, "--format", "json")
	var got map[string]any
	if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &got) != nil {
		t.Fatalf("status: exit %d: %s%s", r.Code, r.Stdout, r.Stderr)
	}
	return got
}

func TestAgentOnceDrainsTheQueue(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "agent.db")
	args := append([]string{"agent", "--once", "--db", db, "--model", "tiny-gpt2,tiny-llama", "--context", "8,16",
		"--generate", "3", "--repeats", "2"}, clitest.AnyConditions...)
	r := clitest.Run(t, env, args...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	clitest.MustContain(t, "log", r.Stderr, "Queued 4 configurations (4 new)", "run stored")
	runs := clitest.StoredRuns(t, db)
	if len(runs) != 4 {
		t.Fatalf("%d runs, want 4", len(runs))
	}
	for _, run := range runs {
		if run.Status != "ok" || run.ThermalWorst != "unknown" || run.PowerSource != "unknown" {
			t.Errorf("run %+v", run)
		}
	}
	st := statusJSON(t, env, db)
	for _, k := range []string{"state", "reason", "idle_seconds", "power_source", "thermal_state", "low_power", "queue_length"} {
		if _, ok := st[k]; !ok {
			t.Errorf("status lacks %q", k)
		}
	}
	if st["state"] != "stopped" || st["queue_length"] != 0.0 {
		t.Errorf("status after the agent exited: %v", st)
	}
	// The queue survives; a second agent finds nothing left and stores nothing.
	r = clitest.Run(t, env, append([]string{"agent", "--once", "--db", db}, clitest.AnyConditions...)...)
	if r.Code != 0 || len(clitest.StoredRuns(t, db)) != 4 {
		t.Fatalf("second agent: exit %d, %d runs: %s", r.Code, len(clitest.StoredRuns(t, db)), r.Stderr)
	}
}

func TestAgentEmptyQueueAndBadPolicy(t *testing.T) {
	env := clitest.Env(t, false)
	db := filepath.Join(t.TempDir(), "agent.db")
	if r := clitest.Run(t, env, "agent", "--once", "--db", db); r.Code != command.ExitUsage || !strings.Contains(r.Stderr, "the queue is empty") {
		t.Fatalf("empty queue: exit %d: %s", r.Code, r.Stderr)
	}
	if r := clitest.Run(t, env, "agent", "--db", db, "--max-thermal", "warm"); r.Code != command.ExitUsage || !strings.Contains(r.Stderr, `thermal limit "warm"`) {
		t.Fatalf("bad thermal limit: exit %d: %s", r.Code, r.Stderr)
	}
	// With unknown sensors the default policy explains why nothing would run.
	st := statusJSON(t, env, db)
	if st["would_run"] != false || st["would_run_reason"] != "power source unknown" {
		t.Fatalf("status %v", st)
	}
}

func TestStatusOfARunningAgent(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "agent.db")
	args := append([]string{"agent", "--db", db, "--model", "tiny-llama", "--precision", "fp32", "--context", "256",
		"--batch", "8", "--generate", "200", "--warmup", "0", "--repeats", "50"}, clitest.AnyConditions...)
	cmd, out := clitest.StartInferbench(t, env, args...)
	deadline := time.Now().Add(2 * time.Minute)
	var st map[string]any
	for time.Now().Before(deadline) {
		if st = statusJSON(t, env, db); st["state"] == "running" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st["state"] != "running" || !strings.Contains(st["current"].(string), "tiny-llama fp32 ctx 256 batch 8") || st["queue_length"] != 1.0 {
		t.Fatalf("status of a running agent: %v\n%s", st, out)
	}
	cmd.Process.Signal(syscall.SIGINT)
	// Interrupted, as every command: exit 130.
	if code := clitest.ExitOf(cmd.Wait()); code != command.ExitInterrupted {
		t.Fatalf("agent on Ctrl-C: exit %d, want %d\n%s", code, command.ExitInterrupted, out)
	}
	if st := statusJSON(t, env, db); st["state"] != "stopped" {
		t.Fatalf("status after Ctrl-C: %v", st)
	}
	if n := len(clitest.StoredRuns(t, db)); n != 0 {
		t.Fatalf("the interrupted run was stored (%d runs)", n)
	}
}

// The agent queue keeps every setting of a grid: the runs stored carry them, and the same grid
// queued again is measured already.
func TestAgentKeepsTheWholeConfiguration(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "agent.db")
	base := []string{"agent", "--once", "--db", db, "--model", "tiny-llama", "--context", "8", "--generate", "3", "--warmup", "0"}
	tests := []struct {
		name  string
		flags []string
		check func(storage.Run) bool
	}{
		{"seed and processes", []string{"--seed", "7", "--processes", "2", "--repeats", "2", "--timeout", "5m"},
			func(r storage.Run) bool { return r.Seed == 7 && r.Processes == 2 && r.Repeats == 2 && r.TargetCI == 0 }},
		{"adaptive repetitions", []string{"--target-ci", "50%", "--min-repeats", "2", "--max-repeats", "3"},
			func(r storage.Run) bool {
				return r.TargetCI == 0.5 && r.MinRepeats == 2 && r.Repeats == 3 && r.Seed == 0
			}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append(slices.Clone(base), tt.flags...), clitest.AnyConditions...)
			r := clitest.Run(t, env, args...)
			if r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r.Stderr)
			}
			runs := clitest.StoredRuns(t, db)
			if len(runs) != i+1 || runs[0].Status != "ok" || !tt.check(runs[0]) {
				t.Fatalf("stored %+v", runs[0])
			}
			r = clitest.Run(t, env, args...)
			clitest.MustContain(t, "again", r.Stderr, "Queued 1 configurations (0 new)")
			if r.Code != 0 || len(clitest.StoredRuns(t, db)) != i+1 {
				t.Fatalf("queued again: exit %d, %d runs: %s", r.Code, len(clitest.StoredRuns(t, db)), r.Stderr)
			}
		})
	}
}

// A checkpoint folder given by a relative path is queued by its absolute one, as its runs are
// stored: measured once, it counts as measured, from that folder or any other.
func TestAgentRelativeCheckpoint(t *testing.T) {
	env := clitest.Env(t, true)
	dir := t.TempDir()
	maker, err := filepath.Abs("../../../bench/make_checkpoint.py")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(env.Getenv("INFERBENCH_PYTHON"), maker, "--model", "tiny-llama", "--out", filepath.Join(dir, "ckpt")).CombinedOutput(); err != nil {
		t.Fatalf("make checkpoint: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "agent.db")
	t.Chdir(dir)
	args := append([]string{"agent", "--once", "--db", db, "--model", "./ckpt", "--weights", "checkpoint", "--precision", "fp16",
		"--context", "8", "--generate", "3", "--warmup", "0", "--repeats", "1"}, clitest.AnyConditions...)
	if r := clitest.Run(t, env, args...); r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	runs := clitest.StoredRuns(t, db)
	if len(runs) != 1 || runs[0].Model != filepath.Join(dir, "ckpt") || runs[0].Status != "ok" {
		t.Fatalf("stored %+v", runs)
	}
	r := clitest.Run(t, env, args...)
	clitest.MustContain(t, "again", r.Stderr, "Queued 1 configurations (0 new)")
	if r.Code != 0 || len(clitest.StoredRuns(t, db)) != 1 {
		t.Fatalf("queued again: exit %d, %d runs: %s", r.Code, len(clitest.StoredRuns(t, db)), r.Stderr)
	}
	t.Chdir(t.TempDir())
	if r := clitest.Run(t, env, append([]string{"agent", "--once", "--db", db}, clitest.AnyConditions...)...); r.Code != 0 || len(clitest.StoredRuns(t, db)) != 1 {
		t.Fatalf("from another folder: exit %d, %d runs: %s", r.Code, len(clitest.StoredRuns(t, db)), r.Stderr)
	}
}
