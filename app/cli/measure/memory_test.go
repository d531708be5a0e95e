package measure_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/engine"
)

// A configuration that cannot fit the machine (gpt2 at batch 100000 needs over a terabyte for
// its KV cache) is refused before anything opens or starts: exit 2, what it needs and the ways
// out, no database; --force lets it through, shown here with --dry-run so that nothing runs.
func TestRefusesWhatCannotFit(t *testing.T) {
	env := clitest.Env(t, false)
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	huge := []string{"--model", "gpt2", "--precision", "fp32", "--context", "128", "--generate", "32", "--db", db}
	tests := []struct {
		name string
		args []string
	}{
		{"run", append([]string{"run", "--batch", "100000"}, huge...)},
		{"run --dry-run", append([]string{"run", "--batch", "100000", "--dry-run"}, huge...)},
		{"sweep", append([]string{"sweep", "--batch", "1,100000"}, huge...)},
		{"sweep --dry-run", append([]string{"sweep", "--batch", "1,100000", "--dry-run"}, huge...)},
		{"agent", append([]string{"agent", "--batch", "100000", "--once"}, huge...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := clitest.Run(t, env, tt.args...)
			if r.Code != command.ExitUsage {
				t.Fatalf("exit %d, want %d: %s", r.Code, command.ExitUsage, r.Stderr)
			}
			clitest.MustContain(t, "stderr", r.Stderr, "gpt2 fp32 ctx 128 batch 100000 gen 32 needs at least", "KV cache",
				"this machine's", "--force")
			if _, err := os.Stat(db); !os.IsNotExist(err) {
				t.Fatalf("the refusal left %s behind (%v)", db, err)
			}
		})
	}
	for _, cmd := range []string{"run", "sweep"} {
		r := clitest.Run(t, env, append([]string{cmd, "--batch", "100000", "--force", "--dry-run"}, huge...)...)
		if r.Code != command.ExitOK {
			t.Fatalf("%s --force --dry-run: exit %d: %s", cmd, r.Code, r.Stderr)
		}
		clitest.MustContain(t, cmd+" --force warning", r.Stderr, "warning: gpt2 fp32 ctx 128 batch 100000 gen 32 needs at least", "measuring it anyway (--force)")
	}
}

// The estimate is a floor: every measured peak is above it, so nothing that fits is refused.
// (gpt2 at larger sizes, measured once on the CPU: fp32 ctx 512 batch 4 peaked at 850 MB against
// a floor of 672 MB, fp16 ctx 256 batch 16 at 625 MB against 427 MB; too slow to repeat here.)
func TestMemoryEstimateIsBelowThePeak(t *testing.T) {
	env := clitest.Env(t, true)
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "runs.db")
	for _, c := range []engine.Config{
		{Model: "gpt2", Precision: "fp32", Context: 16, Generate: 2, Batch: 2},
		{Model: "tiny-llama", Precision: "fp32", Context: 256, Generate: 8, Batch: 32},
		{Model: "tiny-gpt2", Precision: "fp16", Context: 128, Generate: 8, Batch: 16},
	} {
		t.Run(c.Label(), func(t *testing.T) {
			need, ok := advice.MinimumMemory(cat, advice.NewShapes(cat), c)
			if !ok {
				t.Fatal("no estimate")
			}
			peak := peakOf(t, env, db, "--model", c.Model, "--precision", c.Precision, "--context", strconv.Itoa(c.Context),
				"--generate", strconv.Itoa(c.Generate), "--batch", strconv.Itoa(c.Batch))
			if peak < need.Total() {
				t.Fatalf("measured peak %d is below the estimated floor %d (%+v)", peak, need.Total(), need)
			}
			t.Logf("peak %d, floor %d (%.0f%%)", peak, need.Total(), 100*float64(need.Total())/float64(peak))
		})
	}
}
