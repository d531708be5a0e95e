package measure_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/app/cli/internal/clitest"
)

// An informative sweep measures every configuration once, the teaching order's extremes
// first, whatever order the rest takes.
func TestSweepInformativeOrder(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "sweep.db")
	args := []string{"sweep", "--model", "tiny-gpt2,tiny-llama", "--precision", "fp32", "--context", "8,16,32,64",
		"--batch", "1,2", "--generate", "3", "--repeats", "1", "--warmup", "0", "--order", "informative", "--db", db}
	r := clitest.Run(t, env, args...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	clitest.MustContain(t, "summary", r.Stdout, "16 configurations: 16 measured, 16 ok")
	seen := map[string]bool{}
	for _, run := range clitest.StoredRuns(t, db) {
		k := fmt.Sprintf("%s %s %d %d", run.Model, run.Precision, run.Context, run.Batch)
		if seen[k] {
			t.Errorf("%s measured twice", k)
		}
		seen[k] = true
	}
	first, second, third := strings.Index(r.Stderr, "tiny-gpt2 fp32 ctx 8 batch 1"), strings.Index(r.Stderr, "tiny-llama fp32 ctx 8 batch 1"),
		strings.Index(r.Stderr, "tiny-gpt2 fp32 ctx 16 batch 1")
	if first < 0 || second < 0 || second > third {
		t.Errorf("the models' smallest configurations do not come first:\n%s", r.Stderr)
	}
	r = clitest.Run(t, env, "sweep", "--order", "sideways", "--model", "tiny-gpt2", "--db", db)
	if r.Code != 2 || !strings.Contains(r.Stderr, "choose grid or informative") {
		t.Errorf("--order sideways: exit %d, %s", r.Code, r.Stderr)
	}
}
