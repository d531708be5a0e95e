package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/engine"
)

func TestMostInformativePicksWhatWasNeverMeasured(t *testing.T) {
	_, _, s, _ := seeded(t) // gpt2, gpt2-medium, gpt2-large at fp32 and fp16
	measured := engine.Config{Model: "gpt2-medium", Precision: "fp16", Context: 128, Generate: synthGenerate, Batch: 1}
	unseen := engine.Config{Model: "gpt2-xl", Precision: "fp16", Context: 512, Generate: synthGenerate, Batch: 4}
	i, err := mostInformative(context.Background(), s.db, s.cat, []engine.Config{measured, unseen})
	if err != nil {
		t.Fatal(err)
	}
	if i != 1 {
		t.Errorf("picked %d, want the model never measured (1)", i)
	}
}

func TestMostInformativeWithoutRunsKeepsTheOrder(t *testing.T) {
	s := newSynthetic(t, filepath.Join(t.TempDir(), "empty.db"))
	i, err := mostInformative(context.Background(), s.db, s.cat, []engine.Config{{Model: "gpt2"}, {Model: "gpt2-xl"}})
	if err != nil || i != 0 {
		t.Errorf("mostInformative on an empty database = %d, %v; want 0, nil", i, err)
	}
}

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
	runs := storedRuns(t, db)
	seen := map[string]bool{}
	for _, run := range runs {
		k := run.Model + " " + run.Precision + " " + strings.Repeat("x", run.Context) + " " + strings.Repeat("b", run.Batch)
		if seen[k] {
			t.Errorf("%s ctx %d batch %d measured twice", run.Model, run.Context, run.Batch)
		}
		seen[k] = true
	}
	if i, j := strings.Index(r.stderr, "tiny-gpt2 fp32 ctx 8 batch 1"), strings.Index(r.stderr, "tiny-llama fp32 ctx 8 batch 1"); i < 0 || j < 0 || j > strings.Index(r.stderr, "tiny-gpt2 fp32 ctx 16 batch 1") {
		t.Errorf("the models' smallest configurations do not come first:\n%s", r.stderr)
	}
	r = cli(t, env, "sweep", "--order", "sideways", "--model", "tiny-gpt2", "--db", db)
	if r.code != 2 || !strings.Contains(r.stderr, "choose grid or informative") {
		t.Errorf("--order sideways: exit %d, %s", r.code, r.stderr)
	}
}
