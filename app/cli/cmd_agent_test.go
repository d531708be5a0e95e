package cli

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
	"github.com/inferbench/inferbench/storage"
)

// Without sensors every reading is unknown, which the default policy refuses; these flags let
// the agent run anyway, as on a server.
var anyConditions = []string{"--ac-only=false", "--idle", "0", "--max-thermal", "critical"}

func statusJSON(t *testing.T, env app.Env, db string) map[string]any {
	t.Helper()
	r := cli(t, env, "status", "--db", db, "--format", "json")
	var got map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil {
		t.Fatalf("status: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	return got
}

func TestAgentOnceDrainsTheQueue(t *testing.T) {
	env := testEnv(t, true)
	db := filepath.Join(t.TempDir(), "agent.db")
	args := append([]string{"agent", "--once", "--db", db, "--model", "tiny-gpt2,tiny-llama", "--context", "8,16",
		"--generate", "3", "--repeats", "2"}, anyConditions...)
	r := cli(t, env, args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, "log", r.stderr, "Queued 4 configurations (4 new)", "run stored")
	runs := storedRuns(t, db)
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
	r = cli(t, env, append([]string{"agent", "--once", "--db", db}, anyConditions...)...)
	if r.code != 0 || len(storedRuns(t, db)) != 4 {
		t.Fatalf("second agent: exit %d, %d runs: %s", r.code, len(storedRuns(t, db)), r.stderr)
	}
}

func TestAgentEmptyQueueAndBadPolicy(t *testing.T) {
	env := testEnv(t, false)
	db := filepath.Join(t.TempDir(), "agent.db")
	if r := cli(t, env, "agent", "--once", "--db", db); r.code != command.ExitUsage || !strings.Contains(r.stderr, "the queue is empty") {
		t.Fatalf("empty queue: exit %d: %s", r.code, r.stderr)
	}
	if r := cli(t, env, "agent", "--db", db, "--max-thermal", "warm"); r.code != command.ExitUsage || !strings.Contains(r.stderr, `thermal limit "warm"`) {
		t.Fatalf("bad thermal limit: exit %d: %s", r.code, r.stderr)
	}
	// With unknown sensors the default policy explains why nothing would run.
	st := statusJSON(t, env, db)
	if st["would_run"] != false || st["would_run_reason"] != "power source unknown" {
		t.Fatalf("status %v", st)
	}
}

func TestStatusOfARunningAgent(t *testing.T) {
	env := testEnv(t, true)
	db := filepath.Join(t.TempDir(), "agent.db")
	args := append([]string{"agent", "--db", db, "--model", "tiny-llama", "--precision", "fp32", "--context", "256",
		"--batch", "8", "--generate", "200", "--warmup", "0", "--repeats", "50"}, anyConditions...)
	cmd, out := startInferbench(t, env, args...)
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
	if code := exitOf(cmd.Wait()); code != command.ExitInterrupted {
		t.Fatalf("agent on Ctrl-C: exit %d, want %d\n%s", code, command.ExitInterrupted, out)
	}
	if st := statusJSON(t, env, db); st["state"] != "stopped" {
		t.Fatalf("status after Ctrl-C: %v", st)
	}
	if n := len(storedRuns(t, db)); n != 0 {
		t.Fatalf("the interrupted run was stored (%d runs)", n)
	}
}

// The agent queue keeps every setting of a grid: the runs stored carry them, and the same grid
// queued again is measured already.
func TestAgentKeepsTheWholeConfiguration(t *testing.T) {
	env := testEnv(t, true)
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
			args := append(append(slices.Clone(base), tt.flags...), anyConditions...)
			r := cli(t, env, args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			runs := storedRuns(t, db)
			if len(runs) != i+1 || runs[0].Status != "ok" || !tt.check(runs[0]) {
				t.Fatalf("stored %+v", runs[0])
			}
			r = cli(t, env, args...)
			mustContain(t, "again", r.stderr, "Queued 1 configurations (0 new)")
			if r.code != 0 || len(storedRuns(t, db)) != i+1 {
				t.Fatalf("queued again: exit %d, %d runs: %s", r.code, len(storedRuns(t, db)), r.stderr)
			}
		})
	}
}

// A checkpoint folder given by a relative path is queued by its absolute one, as its runs are
// stored: measured once, it counts as measured, from that folder or any other.
func TestAgentRelativeCheckpoint(t *testing.T) {
	env := testEnv(t, true)
	dir := t.TempDir()
	maker, err := filepath.Abs("../../bench/make_checkpoint.py")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(env.Getenv("INFERBENCH_PYTHON"), maker, "--model", "tiny-llama", "--out", filepath.Join(dir, "ckpt")).CombinedOutput(); err != nil {
		t.Fatalf("make checkpoint: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "agent.db")
	t.Chdir(dir)
	args := append([]string{"agent", "--once", "--db", db, "--model", "./ckpt", "--weights", "checkpoint", "--precision", "fp16",
		"--context", "8", "--generate", "3", "--warmup", "0", "--repeats", "1"}, anyConditions...)
	if r := cli(t, env, args...); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	runs := storedRuns(t, db)
	if len(runs) != 1 || runs[0].Model != filepath.Join(dir, "ckpt") || runs[0].Status != "ok" {
		t.Fatalf("stored %+v", runs)
	}
	r := cli(t, env, args...)
	mustContain(t, "again", r.stderr, "Queued 1 configurations (0 new)")
	if r.code != 0 || len(storedRuns(t, db)) != 1 {
		t.Fatalf("queued again: exit %d, %d runs: %s", r.code, len(storedRuns(t, db)), r.stderr)
	}
	t.Chdir(t.TempDir())
	if r := cli(t, env, append([]string{"agent", "--once", "--db", db}, anyConditions...)...); r.code != 0 || len(storedRuns(t, db)) != 1 {
		t.Fatalf("from another folder: exit %d, %d runs: %s", r.code, len(storedRuns(t, db)), r.stderr)
	}
}
