package cli

import (
	"strings"
	"testing"
	"time"

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
	cat := catalogFor(t)
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
	plan, err := planAgainst(stored, cat, groups, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"gpt2 fp32 ctx 128 batch 1 gen 32": markMeasured, "gpt2 fp32 ctx 256 batch 1 gen 32": markNew,
		"gpt2 fp32 ctx 512 batch 8 gen 32": markSkip, "gpt2 fp32 ctx 512 batch 4 gen 32": markMeasured}
	for _, p := range plan {
		if got := p.mark; got != want[p.cfg.Label()] {
			t.Errorf("%s: %s (%s), want %s", p.cfg.Label(), got, p.detail, want[p.cfg.Label()])
		}
		switch p.mark {
		case markMeasured:
			if !strings.Contains(p.detail, "run ") || !strings.Contains(p.detail, "5 repetitions in 1 process") {
				t.Errorf("%s: detail %q does not say which run and settings", p.cfg.Label(), p.detail)
			}
		case markSkip:
			if !strings.Contains(p.detail, "run 3") {
				t.Errorf("%s: detail %q does not name the out-of-memory run", p.cfg.Label(), p.detail)
			}
		case markNew:
			// From run 1 (6 s for 6 repetitions): twice the prompt, the same decode.
			if !p.est.known() || p.est.low >= p.est.mid || p.est.high <= p.est.mid {
				t.Errorf("%s: estimate %+v, want a duration inside its range", p.cfg.Label(), p.est)
			}
		}
	}
	forced, err := planAgainst(stored, cat, groups, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range forced {
		if p.mark != markNew {
			t.Errorf("--force: %s marked %s", p.cfg.Label(), p.mark)
		}
	}

	warnings := strings.Join(planWarnings(cat, []engine.Config{cfg("int8", 128, 1), {Model: "gpt2-xl", Precision: "fp32",
		Context: 128, Generate: 32, Batch: 1, Repeats: 2, MemoryLimit: 1 << 30}}, stored, "cpu", 0), "\n")
	for _, w := range []string{"int8 on the CPU backend: measured here 10.0× slower", "--repeats 2", "gpt2-xl fp32: the weights alone are about"} {
		if !strings.Contains(warnings, w) {
			t.Errorf("warnings lack %q:\n%s", w, warnings)
		}
	}
}
