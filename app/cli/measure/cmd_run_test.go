package measure_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app/cli"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/storage"
)

var requiredJSONKeys = []string{"run_id", "model", "weights", "params", "context", "generate", "batch", "precision",
	"backend", "status", "error", "repeats", "ttft_ms", "prefill_tokens_per_sec", "decode_ms_per_token",
	"decode_ms_per_token_p95", "decode_tokens_per_sec", "decode_tokens_per_sec_ci95", "peak_memory_bytes",
	"thermal_state", "power_source"}

func TestRunJSONIsStored(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "runs.db")
	r := clitest.Run(t, env, "run", "--model", "tiny-gpt2", "--precision", "fp16", "--context", "16", "--generate", "5",
		"--batch", "2", "--repeats", "3", "--db", db, "--format", "json")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.Stdout)
	}
	for _, k := range requiredJSONKeys {
		if _, ok := got[k]; !ok {
			t.Errorf("json lacks %q", k)
		}
	}
	if got["status"] != "ok" || got["weights"] != "random" || got["backend"] == "" || got["batch"] != 2.0 {
		t.Errorf("json = %v", got)
	}
	for _, k := range []string{"ttft_ms", "prefill_tokens_per_sec", "decode_ms_per_token", "decode_tokens_per_sec", "peak_memory_bytes", "params"} {
		if v, _ := got[k].(float64); v <= 0 {
			t.Errorf("%s = %v, want positive", k, got[k])
		}
	}
	runs := clitest.StoredRuns(t, db)
	if len(runs) != 1 || float64(runs[0].ID) != got["run_id"] || runs[0].Status != "ok" {
		t.Fatalf("stored runs = %+v", runs)
	}
	db2, _ := storage.Open(context.Background(), db)
	defer db2.Close()
	full, err := db2.Run(context.Background(), runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if full.Repeats != 3 || !apptest.Whole(full) || len(full.Samples[0].TokenLatenciesMs) != 4 {
		t.Fatalf("stored samples: %d, latencies %d", len(full.Samples), len(full.Samples[0].TokenLatenciesMs))
	}
}

func TestRunFormats(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "runs.db")
	args := []string{"run", "--model", "tiny-llama", "--precision", "int4", "--context", "8", "--generate", "3", "--repeats", "2", "--db", db}
	r := clitest.Run(t, env, append(args, "--format", "csv")...)
	if r.Code != 0 {
		t.Fatalf("csv: exit %d: %s", r.Code, r.Stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Stdout)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %v, %d rows:\n%s", err, len(rows), r.Stdout)
	}
	for _, k := range requiredJSONKeys {
		if !slices.Contains(rows[0], k) {
			t.Errorf("csv header lacks %q", k)
		}
	}
	r = clitest.Run(t, env, append(args, "--format", "md")...)
	if lines := strings.Split(strings.TrimSpace(r.Stdout), "\n"); r.Code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[1], "| --- |") {
		t.Fatalf("md: exit %d:\n%s", r.Code, r.Stdout)
	}
	r = clitest.Run(t, env, args...)
	clitest.MustContain(t, "table", r.Stdout, "status                 ok", "decode throughput", "peak memory", db)
	if n := len(clitest.StoredRuns(t, db)); n != 3 {
		t.Fatalf("%d runs stored, want 3", n)
	}
}

func TestBadInputLeavesDatabaseIntact(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "runs.db")
	if r := clitest.Run(t, env, "run", "--model", "tiny-gpt2", "--precision", "fp32", "--context", "8", "--generate", "2", "--repeats", "1", "--db", db); r.Code != 0 {
		t.Fatalf("seed run: %s", r.Stderr)
	}
	before := clitest.FileHash(t, db)
	base := []string{"run", "--model", "tiny-gpt2", "--precision", "fp32", "--context", "8", "--generate", "2", "--repeats", "1", "--db", db}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad precision", []string{"--precision", "int7"}, `unknown precision "int7"`},
		{"context beyond positions", []string{"--context", "300"}, "beyond tiny-gpt2's 256 positions"},
		{"unknown model", []string{"--model", "gpt-17"}, `unknown model "gpt-17"`},
		{"zero batch", []string{"--batch", "0"}, "--batch must be at least 1"},
		{"negative context", []string{"--context", "-5"}, "--context must be at least 1"},
		{"bad format", []string{"--format", "xml"}, `--format "xml"`},
		{"unknown flag", []string{"--contxt", "5"}, "flag provided but not defined: -contxt"},
		{"stray argument", []string{"gpt2"}, `unexpected argument "gpt2"`},
		{"group size MLX rejects", []string{"--precision", "int4-g128"}, "128"},
		{"batch beyond the protocol", []string{"--batch", "2147483648"}, "--batch must be at most 2147483647"},
		{"tokens that overflow", []string{"--generate", "9223372036854775807"}, "--generate must be at most 2147483647"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := clitest.Run(t, env, append(slices.Clone(base), tt.args...)...)
			if r.Code != command.ExitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s", r.Code, command.ExitUsage, r.Stderr)
			}
			clitest.MustContain(t, "stderr", r.Stderr, tt.want)
		})
	}
	if clitest.FileHash(t, db) != before {
		t.Error("bad input changed the database file")
	}
	if n := len(clitest.StoredRuns(t, db)); n != 1 {
		t.Fatalf("%d runs stored after bad input, want 1", n)
	}
}

func TestUnusableDatabase(t *testing.T) {
	env := clitest.Env(t, false)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("x"), 0o644)
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, []byte(strings.Repeat("not a database\n", 100)), 0o644)
	hash := clitest.FileHash(t, garbage)
	tests := []struct {
		db   string
		code int
		want string
	}{
		{filepath.Join(notDir, "runs.db"), command.ExitUsage, "INFERBENCH_DB"},
		{garbage, command.ExitUsage, "not"},
	}
	for _, tt := range tests {
		r := clitest.Run(t, env, "run", "--model", "tiny-gpt2", "--context", "8", "--generate", "2", "--db", tt.db)
		if r.Code != tt.code {
			t.Errorf("--db %s: exit %d, want %d; %s", tt.db, r.Code, tt.code, r.Stderr)
		}
		clitest.MustContain(t, "stderr", r.Stderr, tt.want, tt.db)
	}
	if clitest.FileHash(t, garbage) != hash {
		t.Error("a file that is not a database was modified")
	}
}

// TestKilledWorkerIsStoredAsKilled: a worker killed from outside, with no out-of-memory kill
// on record, is stored as killed, not oom, and the next run works.
func TestKilledWorkerIsStoredAsKilled(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "runs.db")
	var out, errb clitest.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(context.Background(), env, []string{"run", "--model", "tiny-llama", "--precision", "fp32", "--context", "256",
			"--generate", "200", "--batch", "8", "--repeats", "1000", "--db", db, "--format", "json", "--verbose"}, &out, &errb)
	}()
	// The worker logs the load it was asked for: it is past its start, so its death is a result.
	deadline := time.Now().Add(3 * time.Minute)
	pid := 0
	for pid == 0 && time.Now().Before(deadline) {
		if strings.Contains(errb.String(), "loading tiny-llama") {
			pid = apptest.WorkerOf(t, os.Getpid())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pid == 0 {
		t.Fatalf("never found the loading worker; stderr:\n%s", errb.String())
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if code := <-done; code != command.ExitFailure {
		t.Fatalf("exit %d, want %d: %s", code, command.ExitFailure, errb.String())
	}
	var got map[string]any
	json.Unmarshal([]byte(out.String()), &got)
	if got["status"] != "killed" || !strings.Contains(got["error"].(string), "from outside Inferbench") {
		t.Fatalf("output %v", got)
	}
	runs := clitest.StoredRuns(t, db)
	if len(runs) != 1 || runs[0].Status != "killed" || runs[0].DecodeMsPerToken != nil {
		t.Fatalf("stored %+v", runs)
	}
	if r := clitest.Run(t, env, "run", "--model", "tiny-llama", "--precision", "fp32", "--context", "8", "--generate", "2", "--repeats", "1", "--db", db); r.Code != 0 {
		t.Fatalf("next run: exit %d: %s", r.Code, r.Stderr)
	}
}

func TestCheckpointFolder(t *testing.T) {
	env := clitest.Env(t, true)
	dir := filepath.Join(t.TempDir(), "tiny-checkpoint")
	out, err := exec.Command(env.Getenv("INFERBENCH_PYTHON"), "../../../bench/make_checkpoint.py", "--model", "tiny-llama", "--out", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("make checkpoint: %v\n%s", err, out)
	}
	db := filepath.Join(t.TempDir(), "runs.db")
	r := clitest.Run(t, env, "run", "--model", dir, "--weights", "checkpoint", "--precision", "fp16", "--context", "8", "--generate", "3", "--repeats", "1", "--db", db, "--format", "json")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	var got map[string]any
	json.Unmarshal([]byte(r.Stdout), &got)
	if got["weights"] != "checkpoint" || got["model"] != dir || got["status"] != "ok" {
		t.Fatalf("output %v", got)
	}
	runs := clitest.StoredRuns(t, db)
	if len(runs) != 1 || runs[0].WeightsPath == "" || runs[0].ModelSource != "path" {
		t.Fatalf("stored %+v", runs)
	}
}
