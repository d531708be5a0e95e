package plan

import (
	"strings"
	"testing"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

func storedRun(id int64, precision string, ctx, batch int, status string, tps float64) storage.Run {
	ttft, ms := 10.0, 1000/tps
	return storage.Run{ID: id, CreatedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), Model: "gpt2", Precision: precision,
		Context: ctx, Generate: 32, Batch: batch, Warmup: 1, Repeats: 5, Processes: 1, Status: status, Backend: "cpu",
		MLXVersion: "0.32.4", MLXLMVersion: "0.32.2", TTFTMs: &ttft, DecodeMsPerToken: &ms, DecodeTokensPerSec: &tps, DurationMs: 6000}
}

// A dry run marks what is stored as measured (by which run), what a stored out-of-memory run
// rules out as skipped, and the rest new with an estimate from the nearest stored run.
func TestPlanMarks(t *testing.T) {
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	stored := []storage.Run{ // newest first, as Runs returns them
		storedRun(3, "fp32", 512, 4, storage.StatusOOM, 0),
		storedRun(2, "int8", 128, 1, storage.StatusOK, 2),
		storedRun(1, "fp32", 128, 1, storage.StatusOK, 20),
	}
	cfg := func(precision string, ctx, batch int) engine.Config {
		return engine.Config{Model: "gpt2", Precision: precision, Weights: "auto", Context: ctx, Generate: 32, Batch: batch, Warmup: 1, Repeats: 5}
	}
	cfgs := []engine.Config{cfg("fp32", 128, 1), cfg("fp32", 256, 1), cfg("fp32", 512, 8), cfg("fp32", 512, 4)}
	groups := engine.Plan(cfgs)
	plan := Mark(stored, cat, groups, false)
	want := map[string]string{"gpt2 fp32 ctx 128 batch 1 gen 32": MarkMeasured, "gpt2 fp32 ctx 256 batch 1 gen 32": MarkNew,
		"gpt2 fp32 ctx 512 batch 8 gen 32": MarkSkip, "gpt2 fp32 ctx 512 batch 4 gen 32": MarkMeasured}
	for _, p := range plan {
		if got := p.Mark; got != want[p.Config.Label()] {
			t.Errorf("%s: %s (%s), want %s", p.Config.Label(), got, p.Detail, want[p.Config.Label()])
		}
		switch p.Mark {
		case MarkMeasured:
			if !strings.Contains(p.Detail, "run ") || !strings.Contains(p.Detail, "5 repetitions in 1 process") {
				t.Errorf("%s: detail %q does not say which run and settings", p.Config.Label(), p.Detail)
			}
		case MarkSkip:
			if !strings.Contains(p.Detail, "run 3") {
				t.Errorf("%s: detail %q does not name the out-of-memory run", p.Config.Label(), p.Detail)
			}
		case MarkNew:
			// From run 1 (6 s for 6 repetitions): twice the prompt, the same decode.
			if !p.Estimate.Known() || p.Estimate.Low >= p.Estimate.Mid || p.Estimate.High <= p.Estimate.Mid {
				t.Errorf("%s: estimate %+v, want a duration inside its range", p.Config.Label(), p.Estimate)
			}
		}
	}
	forced := Mark(stored, cat, groups, true)
	for _, p := range forced {
		if p.Mark != MarkNew {
			t.Errorf("--force: %s marked %s", p.Config.Label(), p.Mark)
		}
	}

	warnings := strings.Join(Warnings(cat, []engine.Config{cfg("int8", 128, 1), {Model: "gpt2-xl", Precision: "fp32",
		Context: 128, Generate: 32, Batch: 1, Repeats: 2, MemoryLimit: 1 << 30}}, stored, "cpu", 0), "\n")
	for _, w := range []string{"int8 on the CPU backend: measured here 10.0× slower", "--repeats 2", "gpt2-xl fp32: the weights alone are about"} {
		if !strings.Contains(warnings, w) {
			t.Errorf("warnings lack %q:\n%s", w, warnings)
		}
	}
}
