package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app"
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
	if r := cli(t, env, "agent", "--once", "--db", db); r.code != ExitUsage || !strings.Contains(r.stderr, "the queue is empty") {
		t.Fatalf("empty queue: exit %d: %s", r.code, r.stderr)
	}
	if r := cli(t, env, "agent", "--db", db, "--max-thermal", "warm"); r.code != ExitUsage || !strings.Contains(r.stderr, `thermal limit "warm"`) {
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
	if code := exitOf(cmd.Wait()); code != ExitInterrupted {
		t.Fatalf("agent on Ctrl-C: exit %d, want %d\n%s", code, ExitInterrupted, out)
	}
	if st := statusJSON(t, env, db); st["state"] != "stopped" {
		t.Fatalf("status after Ctrl-C: %v", st)
	}
	if n := len(storedRuns(t, db)); n != 0 {
		t.Fatalf("the interrupted run was stored (%d runs)", n)
	}
}
