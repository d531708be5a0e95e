package plan

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

func storedRun(precision string, ctx, batch int, status string, tps float64) *storage.Run {
	ttft, ms := 10.0, 1000/tps
	r := &storage.Run{CreatedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), Model: "gpt2", ModelSource: "catalog",
		Weights: "random", Precision: precision, Context: ctx, Generate: 32, Batch: batch, Warmup: 1, Repeats: 5, Processes: 1,
		Status: status, Backend: "cpu", MLXVersion: "0.32.4", MLXLMVersion: "0.32.2", DurationMs: 6000}
	if status == storage.StatusOK {
		r.TTFTMs, r.DecodeMsPerToken, r.DecodeTokensPerSec = &ttft, &ms, &tps
	}
	return r
}

// planRig stores runs in a real SQLite file as this machine, and plans against them as a dry
// run does.
type planRig struct {
	t     *testing.T
	cat   *engine.Catalog
	store *storage.DB
	ids   []int64
}

func newPlanRig(t *testing.T, runs ...*storage.Run) *planRig {
	t.Helper()
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := storage.Open(ctx, filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	machine, err := store.UpsertMachine(ctx, app.StorageMachine(engine.DetectMachine()))
	if err != nil {
		t.Fatal(err)
	}
	r := &planRig{t: t, cat: cat, store: store}
	for _, run := range runs {
		run.MachineID = machine
		id, err := store.InsertRun(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		r.ids = append(r.ids, id)
	}
	return r
}

func (r *planRig) mark(force bool, cfgs ...engine.Config) []Entry {
	r.t.Helper()
	ctx := context.Background()
	stored, err := r.store.Runs(ctx, storage.RunFilter{})
	if err != nil {
		r.t.Fatal(err)
	}
	var done map[storage.RunKey]storage.Measured
	if !force {
		if done, err = app.CompletedHere(ctx, r.store, engine.DetectMachine(), stored); err != nil {
			r.t.Fatal(err)
		}
	}
	return Mark(stored, done, r.cat, engine.Plan(cfgs))
}

// A dry run marks what is stored as measured (by which run), what a stored out-of-memory run
// rules out as skipped, and the rest new with an estimate from the nearest stored run.
func TestPlanMarks(t *testing.T) {
	rig := newPlanRig(t,
		storedRun("fp32", 128, 1, storage.StatusOK, 20),
		storedRun("int8", 128, 1, storage.StatusOK, 2),
		storedRun("fp32", 512, 4, storage.StatusOOM, 0))
	cfg := func(precision string, ctx, batch int) engine.Config {
		return engine.Config{Model: "gpt2", Precision: precision, Weights: "auto", Context: ctx, Generate: 32, Batch: batch, Warmup: 1, Repeats: 5}
	}
	cfgs := []engine.Config{cfg("fp32", 128, 1), cfg("fp32", 256, 1), cfg("fp32", 512, 8), cfg("fp32", 512, 4)}
	want := map[string]string{"gpt2 fp32 ctx 128 batch 1 gen 32": MarkMeasured, "gpt2 fp32 ctx 256 batch 1 gen 32": MarkNew,
		"gpt2 fp32 ctx 512 batch 8 gen 32": MarkSkip, "gpt2 fp32 ctx 512 batch 4 gen 32": MarkMeasured}
	for _, p := range rig.mark(false, cfgs...) {
		if got := p.Mark; got != want[p.Config.Label()] {
			t.Errorf("%s: %s (%s), want %s", p.Config.Label(), got, p.Detail, want[p.Config.Label()])
		}
		switch p.Mark {
		case MarkMeasured:
			if !strings.Contains(p.Detail, "run ") || !strings.Contains(p.Detail, "weights random, 5 repetitions in 1 process") {
				t.Errorf("%s: detail %q does not say which run and settings", p.Config.Label(), p.Detail)
			}
		case MarkSkip:
			if !strings.Contains(p.Detail, fmt.Sprintf("run %d", rig.ids[2])) {
				t.Errorf("%s: detail %q does not name the out-of-memory run", p.Config.Label(), p.Detail)
			}
		case MarkNew:
			// From run 1 (6 s for 6 repetitions): twice the prompt, the same decode.
			if !p.Estimate.Known() || p.Estimate.Low >= p.Estimate.Mid || p.Estimate.High <= p.Estimate.Mid {
				t.Errorf("%s: estimate %+v, want a duration inside its range", p.Config.Label(), p.Estimate)
			}
		}
	}
	for _, p := range rig.mark(true, cfgs...) {
		if p.Mark != MarkNew {
			t.Errorf("--force: %s marked %s", p.Config.Label(), p.Mark)
		}
	}

	stored, _ := rig.store.Runs(context.Background(), storage.RunFilter{})
	warnings := strings.Join(Warnings(rig.cat, []engine.Config{cfg("int8", 128, 1), {Model: "gpt2-xl", Precision: "fp32",
		Context: 128, Generate: 32, Batch: 1, Repeats: 2, MemoryLimit: 1 << 30}}, stored, "cpu", 0), "\n")
	for _, w := range []string{"int8 on the CPU backend: measured here 10.0× slower", "--repeats 2", "gpt2-xl fp32: the weights alone are about"} {
		if !strings.Contains(warnings, w) {
			t.Errorf("warnings lack %q:\n%s", w, warnings)
		}
	}
}

// A dry run counts a configuration as measured only with every setting that changes the
// measurement, as resuming does, and says of the others which settings differ.
func TestPlanResumeKey(t *testing.T) {
	base := engine.Config{Model: "gpt2", Precision: "fp32", Weights: "random", Context: 128, Generate: 32, Batch: 1,
		Warmup: 1, Repeats: 5, Processes: 1, Seed: 0, Timeout: engine.DefaultTimeout}
	adaptive := base
	adaptive.Repeats, adaptive.TargetCI, adaptive.MinRepeats = 20, 0.02, 3
	stored := func(c engine.Config) *storage.Run {
		r := storedRun(c.Precision, c.Context, c.Batch, storage.StatusOK, 20)
		r.Repeats, r.Seed, r.TargetCI, r.MinRepeats = c.Repeats, c.Seed, c.TargetCI, c.AdaptiveStart()
		return r
	}
	rig := newPlanRig(t, stored(base), stored(adaptive))
	tests := []struct {
		name   string
		change func(*engine.Config)
		from   engine.Config // the stored run it is compared with
		why    string        // "" when it counts as measured
	}{
		{"the same settings", func(*engine.Config) {}, base, ""},
		{"weights auto, which chose random", func(c *engine.Config) { c.Weights = "auto" }, base, ""},
		{"a longer timeout only bounds it", func(c *engine.Config) { c.Timeout = time.Hour }, base, ""},
		{"min repeats without a target mean nothing", func(c *engine.Config) { c.MinRepeats = 7 }, base, ""},
		{"more repetitions", func(c *engine.Config) { c.Repeats = 20 }, base, "--repeats 5 (now 20)"},
		{"checkpoint weights", func(c *engine.Config) { c.Weights = "checkpoint" }, base, "--weights random (now checkpoint)"},
		{"warm-ups", func(c *engine.Config) { c.Warmup = 3 }, base, "--warmup 1 (now 3)"},
		{"processes", func(c *engine.Config) { c.Processes = 5 }, base, "--processes 1 (now 5)"},
		{"another seed", func(c *engine.Config) { c.Seed = 42 }, base, "--seed 0 (now 42)"},
		{"a target interval", func(c *engine.Config) { c.TargetCI, c.MinRepeats = 0.02, 3 }, base, "--repeats 20 (now 5)"}, // nearest: the adaptive run
		{"the same adaptive settings", func(*engine.Config) {}, adaptive, ""},
		{"another target", func(c *engine.Config) { c.TargetCI = 0.05 }, adaptive, "--target-ci 2% (now 5%)"},
		{"another start", func(c *engine.Config) { c.MinRepeats = 5 }, adaptive, "--min-repeats 3 (now 5)"},
		{"a memory budget", func(c *engine.Config) { c.MemoryLimit = 1 << 30 }, base, "-"},
		{"another length", func(c *engine.Config) { c.Generate = 16 }, base, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.from
			tt.change(&cfg)
			p := rig.mark(false, cfg)[0]
			switch {
			case tt.why == "" && p.Mark != MarkMeasured:
				t.Fatalf("marked %s (%s), want measured", p.Mark, p.Detail)
			case tt.why != "" && p.Mark != MarkNew:
				t.Fatalf("marked %s (%s), want new", p.Mark, p.Detail)
			case tt.why != "-" && !strings.Contains(p.Detail, tt.why):
				t.Fatalf("detail %q does not say %q", p.Detail, tt.why)
			}
		})
	}
	// The printed plan shows why: each configuration with its mark and reason.
	var out strings.Builder
	cfg := base
	cfg.Repeats = 20
	groups := engine.Plan([]engine.Config{base, cfg})
	Print(&out, groups, rig.mark(false, base, cfg))
	for _, want := range []string{"measured", "run 1 on ", "new", "run 1 had other settings: --repeats 5 (now 20)",
		"1 new, 1 already measured"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the plan lacks %q:\n%s", want, out.String())
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
