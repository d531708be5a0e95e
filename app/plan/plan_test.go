package plan

import (
	"errors"
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

// A configuration whose weights, KV cache and activations alone exceed the machine is refused,
// naming what it needs and the ways out; a budget does not lower the bound, and an unknown
// architecture or machine passes.
func TestOversized(t *testing.T) {
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	cfg := func(model string, batch int) engine.Config {
		return engine.Config{Model: model, Precision: "fp32", Weights: "auto", Context: 128, Generate: 32, Batch: batch, Repeats: 5}
	}
	budget := cfg("gpt2", 64)
	budget.MemoryLimit = 1 << 20
	const machine = 16 << 30
	tests := []struct {
		name    string
		cfgs    []engine.Config
		memory  int64
		refused []string // labels
	}{
		{"what fits", []engine.Config{cfg("gpt2", 1), cfg("gpt2", 64)}, machine, nil},
		{"batch 100000", []engine.Config{cfg("gpt2", 1), cfg("gpt2", 100000)}, machine, []string{"gpt2 fp32 ctx 128 batch 100000 gen 32"}},
		{"a budget below the need still runs (as oom)", []engine.Config{budget}, machine, nil},
		{"weights alone", []engine.Config{cfg("gpt2-xl", 1)}, 1 << 30, []string{"gpt2-xl fp32 ctx 128 batch 1 gen 32"}},
		{"an unknown architecture", []engine.Config{cfg("org/unknown", 100000)}, machine, nil},
		{"an unknown machine", []engine.Config{cfg("gpt2", 100000)}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			over := Oversized(cat, tt.cfgs, tt.memory)
			var got []string
			for _, o := range over {
				got = append(got, o.Config.Label())
			}
			if strings.Join(got, "; ") != strings.Join(tt.refused, "; ") {
				t.Fatalf("refused %v, want %v", got, tt.refused)
			}
			err := OversizeError(over, tt.memory)
			if len(tt.refused) == 0 {
				if err != nil {
					t.Fatalf("error %v for nothing refused", err)
				}
				return
			}
			var invalid *engine.InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("error %v is not bad input", err)
			}
			for _, want := range []string{tt.refused[0], "needs at least", "weights", "KV cache", "activations", "this machine's", "--force"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
		})
	}
	// Many refusals are counted rather than all listed.
	var many []engine.Config
	for b := 100000; b < 100010; b++ {
		many = append(many, cfg("gpt2", b))
	}
	msg := OversizeError(Oversized(cat, many, machine), machine).Error()
	if !strings.Contains(msg, "10 configurations need more than") || !strings.Contains(msg, "and 5 more") {
		t.Errorf("many refusals:\n%s", msg)
	}
}
