package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// An informative sweep measures every configuration once, the teaching order's extremes
// first, whatever order the rest takes.
func TestSweepInformativeOrder(t *testing.T) {
	env := testEnv(t, true)
	db := filepath.Join(t.TempDir(), "sweep.db")
	args := []string{"sweep", "--model", "tiny-gpt2,tiny-llama", "--precision", "fp32", "--context", "8,16,32,64",
		"--batch", "1,2", "--generate", "3", "--repeats", "1", "--warmup", "0", "--order", "informative", "--db", db}
	r := cli(t, env, args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, "summary", r.stdout, "16 configurations: 16 measured, 16 ok")
	seen := map[string]bool{}
	for _, run := range storedRuns(t, db) {
		k := fmt.Sprintf("%s %s %d %d", run.Model, run.Precision, run.Context, run.Batch)
		if seen[k] {
			t.Errorf("%s measured twice", k)
		}
		seen[k] = true
	}
	first, second, third := strings.Index(r.stderr, "tiny-gpt2 fp32 ctx 8 batch 1"), strings.Index(r.stderr, "tiny-llama fp32 ctx 8 batch 1"),
		strings.Index(r.stderr, "tiny-gpt2 fp32 ctx 16 batch 1")
	if first < 0 || second < 0 || second > third {
		t.Errorf("the models' smallest configurations do not come first:\n%s", r.stderr)
	}
	r = cli(t, env, "sweep", "--order", "sideways", "--model", "tiny-gpt2", "--db", db)
	if r.code != 2 || !strings.Contains(r.stderr, "choose grid or informative") {
		t.Errorf("--order sideways: exit %d, %s", r.code, r.stderr)
	}
}
