package read_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/storage"
)

// storeRuns writes runs of gpt2 at two contexts into a new database: decode tokens/s around
// tps[context] (3% spread), as a sweep would have stored them.
func storeRuns(t *testing.T, path, mlx string, seed uint64, tps map[int]float64) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := db.UpsertMachine(ctx, storage.Machine{Chip: "Apple M3", Cores: 8, MemoryBytes: 16 << 30, OS: "darwin", OSVersion: "15.1", Arch: "arm64", Hostname: "air"})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, c := range []int{128, 512} {
		r := &storage.Run{CreatedAt: time.Now(), MachineID: m, Model: "gpt2", ModelSource: "catalog", Weights: "random",
			Precision: "fp16", Context: c, Generate: 32, Batch: 1, Repeats: 8, Status: storage.StatusOK, MLXVersion: mlx,
			MLXLMVersion: "0.32.2", LowPower: "unknown", Processes: 1}
		for i := range 8 {
			d := tps[c] * (1 + 0.03*rng.NormFloat64())
			r.Samples = append(r.Samples, storage.Sample{Rep: i, TTFTMs: 10, PrefillTokensPerSec: 1000 * (1 + 0.03*rng.NormFloat64()),
				DecodeTokensPerSec: &d, PeakMemoryBytes: 300e6, RSSBytes: 400e6})
		}
		if _, err := db.InsertRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCompareFlagsAPlantedSlowdown(t *testing.T) {
	env := clitest.Env(t, false)
	dir := t.TempDir()
	base, cand := filepath.Join(dir, "base.db"), filepath.Join(dir, "cand.db")
	storeRuns(t, base, "0.31.0", 1, map[int]float64{128: 100, 512: 90})
	storeRuns(t, cand, "0.32.4", 2, map[int]float64{128: 100, 512: 70}) // context 512 planted 22% slower
	before := clitest.FileHash(t, base)

	r := clitest.Run(t, env, "compare", base, cand, "--format", "json", "--chart", filepath.Join(dir, "charts"))
	if r.Code != command.ExitRegression {
		t.Fatalf("exit %d, want %d: %s", r.Code, command.ExitRegression, r.Stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &rows); err != nil {
		t.Fatalf("not json: %v\n%s", err, r.Stdout)
	}
	flagged := map[string]string{}
	for _, row := range rows {
		if row["metric"] == "decode_tokens_per_sec" {
			flagged[jsonText(row["context"])] = row["verdict"].(string)
		}
	}
	if flagged["128"] != "no change" || flagged["512"] != "regression" {
		t.Errorf("decode verdicts by context: %v; want 512 flagged alone", flagged)
	}
	for _, ext := range []string{"png", "svg"} {
		if fi, err := os.Stat(filepath.Join(dir, "charts", "compare."+ext)); err != nil || fi.Size() == 0 {
			t.Errorf("chart compare.%s: %v", ext, err)
		}
	}
	if clitest.FileHash(t, base) != before {
		t.Error("comparing wrote to the baseline's database")
	}

	// One database, two MLX versions: the same comparison by selector.
	storeRuns(t, base, "0.32.4", 3, map[int]float64{128: 100, 512: 70})
	r = clitest.Run(t, env, "compare", "--db", base, "--baseline", "mlx=0.31.0", "--candidate", "mlx=0.32.4")
	if r.Code != command.ExitRegression || !strings.Contains(r.Stdout, "| regression |") || !strings.Contains(r.Stdout, "Baseline: db=") {
		t.Errorf("by MLX version: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}

	// Against itself: nothing flagged.
	r = clitest.Run(t, env, "compare", cand, cand+"", "--format", "csv")
	if r.Code != command.ExitUsage {
		t.Errorf("the same file twice: exit %d, want a usage error: %s", r.Code, r.Stderr)
	}
	copyPath := filepath.Join(dir, "copy.db")
	b, _ := os.ReadFile(cand)
	os.WriteFile(copyPath, b, 0o644)
	r = clitest.Run(t, env, "compare", cand, copyPath, "--format", "csv")
	if r.Code != 0 || strings.Contains(r.Stdout, "regression") || strings.Contains(r.Stdout, "improvement") {
		t.Errorf("a database against its copy: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCompareBadInput(t *testing.T) {
	env := clitest.Env(t, false)
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	storeRuns(t, db, "0.32.4", 1, map[int]float64{128: 100, 512: 90})
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--db", db}, command.ExitUsage, "select the same runs"},
		{[]string{"--db", db, "--baseline", "colour=red"}, command.ExitUsage, "unknown key"},
		{[]string{db, filepath.Join(dir, "missing.db")}, command.ExitUsage, "no such file"},
		{[]string{"--db", db, "--baseline", "mlx=0.1", "--candidate", "mlx=0.32.4"}, command.ExitFailure, "no configuration was measured by both"},
		{[]string{"--db", db, "--baseline", "mlx=0.1", "--threshold", "150%"}, command.ExitUsage, "--threshold"},
		{[]string{db}, command.ExitUsage, "two databases"},
	} {
		r := clitest.Run(t, env, append([]string{"compare"}, tt.args...)...)
		if r.Code != tt.code || !strings.Contains(r.Stderr, tt.want) {
			t.Errorf("compare %v: exit %d, want %d with %q:\n%s", tt.args, r.Code, tt.code, tt.want, r.Stderr)
		}
	}
}

// A run measured by the real worker compares as unchanged against the same run read from a copy
// of its database: a ratio of 1 inside its interval for every metric its samples carry. (Two
// measurements on a busy two-core machine can differ by more than any useful threshold, so a
// test does not rerun.)
func TestCompareMeasuredRun(t *testing.T) {
	env := clitest.Env(t, true)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	if r := clitest.Run(t, env, "run", "--model", "tiny-gpt2", "--precision", "fp32", "--context", "16", "--generate", "8",
		"--repeats", "4", "--db", a, "--format", "json"); r.Code != 0 {
		t.Fatalf("run: exit %d: %s", r.Code, r.Stderr)
	}
	data, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := clitest.Run(t, env, "compare", a, b, "--format", "json")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s\n%s", r.Code, r.Stderr, r.Stdout)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &rows); err != nil {
		t.Fatal(err)
	}
	metrics := map[string]bool{}
	for _, row := range rows {
		metrics[row["metric"].(string)] = true
		lo, _ := row["ratio_ci95_low"].(float64)
		hi, _ := row["ratio_ci95_high"].(float64)
		if row["ratio"] != 1.0 || lo > 1 || hi < 1 || row["verdict"] != "no change" {
			t.Errorf("%v", row)
		}
	}
	for _, m := range []string{"decode_tokens_per_sec", "prefill_tokens_per_sec", "peak_memory_bytes"} {
		if !metrics[m] {
			t.Errorf("no %s row in %v", m, rows)
		}
	}
}
