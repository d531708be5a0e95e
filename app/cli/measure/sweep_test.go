package measure

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/progress"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// sweepRig runs sweeps of a grid through a scripted measurer into a real SQLite file.
type sweepRig struct {
	bench  *app.Bench
	groups []engine.Group
}

func newSweepRig(t *testing.T, m app.Measurer, cfgs ...engine.Config) *sweepRig {
	t.Helper()
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "sweep.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &sweepRig{bench: &app.Bench{Measurer: m, Store: store, Catalog: cat, Machine: engine.DetectMachine()},
		groups: engine.Plan(cfgs)}
}

func (r *sweepRig) sweep(ctx context.Context, m app.Measurer, force bool) (sweepTally, string, error) {
	r.bench.Measurer = m
	var out bytes.Buffer
	p := progress.New(&out, 0, progress.Lines, time.Now)
	s := &sweeper{bench: r.bench, progress: p, force: force}
	tally, err := s.run(ctx, r.groups)
	p.Close()
	return tally, out.String(), err
}

func (r *sweepRig) statuses(t *testing.T) []string {
	t.Helper()
	runs, err := r.bench.Store.Runs(context.Background(), storage.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, run := range runs {
		got = append(got, run.Precision+" "+strconv.Itoa(run.Context)+" "+run.Status)
	}
	slices.Sort(got)
	return got
}

// The sweeper's decisions, against a scripted measurer: what runs, what is stored and how the
// summary counts it.
func TestSweeperLogic(t *testing.T) {
	cfg := func(precision string, context int) engine.Config {
		return engine.Config{Model: "tiny-llama", Precision: precision, Weights: "random", Context: context, Generate: 4,
			Batch: 1, Repeats: 2}
	}
	grid := []engine.Config{cfg("fp32", 16), cfg("fp32", 32), cfg("fp32", 64), cfg("fp16", 16), cfg("fp16", 32)}
	tests := []struct {
		name      string
		outcomes  map[string]string
		want      []string // stored "precision context status", sorted
		wantTally sweepTally
	}{
		{"every configuration ok", nil,
			[]string{"fp16 16 ok", "fp16 32 ok", "fp32 16 ok", "fp32 32 ok", "fp32 64 ok"},
			sweepTally{total: 5, measured: 5, byStatus: map[string]int{"ok": 5}}},
		{"out of memory skips what needs more", map[string]string{cfg("fp32", 32).Label(): "oom"},
			[]string{"fp16 16 ok", "fp16 32 ok", "fp32 16 ok", "fp32 32 oom", "fp32 64 skipped"},
			sweepTally{total: 5, measured: 4, skipped: 1, byStatus: map[string]int{"ok": 3, "oom": 1, "skipped": 1}}},
		{"a refused configuration rules out its group", map[string]string{cfg("fp16", 16).Label(): "invalid"},
			[]string{"fp32 16 ok", "fp32 32 ok", "fp32 64 ok"},
			sweepTally{total: 5, measured: 3, invalid: 2, byStatus: map[string]int{"ok": 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newSweepRig(t, nil, grid...)
			tally, out, err := r.sweep(context.Background(), &apptest.Measurer{Outcomes: tt.outcomes}, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.statuses(t); !slices.Equal(got, tt.want) {
				t.Errorf("stored %v, want %v", got, tt.want)
			}
			if tally.total != tt.wantTally.total || tally.measured != tt.wantTally.measured || tally.skipped != tt.wantTally.skipped ||
				tally.invalid != tt.wantTally.invalid || tally.already != 0 || len(tally.byStatus) != len(tt.wantTally.byStatus) {
				t.Errorf("tally %+v, want %+v\n%s", tally, tt.wantTally, out)
			}
			for st, n := range tt.wantTally.byStatus {
				if tally.byStatus[st] != n {
					t.Errorf("%d %s, want %d", tally.byStatus[st], st, n)
				}
			}

			// The same sweep again measures nothing new; --force measures it all again.
			again := &apptest.Measurer{Outcomes: tt.outcomes}
			tally, _, err = r.sweep(context.Background(), again, false)
			if err != nil {
				t.Fatal(err)
			}
			measurable := len(tt.want)
			if tally.already != measurable || len(again.Ran()) != tt.wantTally.invalid/2 {
				t.Errorf("resumed sweep: %d already measured and %v run; want %d and only the refused one retried",
					tally.already, again.Ran(), measurable)
			}
			forced := &apptest.Measurer{Outcomes: tt.outcomes}
			if _, _, err := r.sweep(context.Background(), forced, true); err != nil {
				t.Fatal(err)
			}
			if got, want := len(forced.Ran()), tt.wantTally.measured+tt.wantTally.invalid/2; got != want {
				t.Errorf("--force ran %d configurations, want %d", got, want)
			}
		})
	}
}

// Ctrl-C during a run stores nothing of it, and the sweep returns the context's error.
func TestSweeperInterruptStoresNothingPartial(t *testing.T) {
	m := &apptest.Measurer{Hold: make(chan struct{})}
	r := newSweepRig(t, m, engine.Config{Model: "tiny-llama", Precision: "fp32", Weights: "random", Context: 16,
		Generate: 4, Batch: 1, Repeats: 2})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for m.Running() == "" {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	if _, _, err := r.sweep(ctx, m, false); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted sweep returned %v, want context.Canceled", err)
	}
	if got := r.statuses(t); len(got) != 0 {
		t.Fatalf("stored %v after an interrupt", got)
	}
}

// A kill from outside rules nothing out, and what it cut short is measured again on resume; a
// skip inferred from an oom that was never confirmed (stored before confirmation existed) is
// measured again too, while one ruled out by a confirmed oom stands.
func TestSweeperKilledAndUnconfirmedSkips(t *testing.T) {
	cfg := func(precision string, context int) engine.Config {
		return engine.Config{Model: "tiny-llama", Precision: precision, Weights: "random", Context: context, Generate: 4,
			Batch: 1, Repeats: 2}
	}
	grid := []engine.Config{cfg("fp32", 16), cfg("fp32", 32), cfg("fp32", 64)}
	r := newSweepRig(t, nil, grid...)
	if _, _, err := r.sweep(context.Background(), &apptest.Measurer{Outcomes: map[string]string{cfg("fp32", 32).Label(): "killed"}}, false); err != nil {
		t.Fatal(err)
	}
	if got, want := r.statuses(t), []string{"fp32 16 ok", "fp32 32 killed", "fp32 64 ok"}; !slices.Equal(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	again := &apptest.Measurer{}
	if _, _, err := r.sweep(context.Background(), again, false); err != nil {
		t.Fatal(err)
	}
	if got := again.Ran(); !slices.Equal(got, []string{cfg("fp32", 32).Label()}) {
		t.Fatalf("resume ran %v, want only the killed configuration", got)
	}

	// An old database: an oom that was any SIGKILL, and the skip it led to.
	legacy := newSweepRig(t, nil, grid...)
	hello, _ := (&apptest.Measurer{}).Hello(context.Background())
	mid, err := legacy.bench.Store.UpsertMachine(context.Background(), app.StorageMachine(legacy.bench.Machine))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct {
		context       int
		status, error string
	}{
		{16, "ok", ""},
		{32, "oom", "worker killed by signal 9 (killed), most likely out of memory"},
		{64, "skipped", "skipped: needs more memory than tiny-llama fp32 ctx 32, which ran out of memory"},
	} {
		run := &storage.Run{MachineID: mid, Model: "tiny-llama", ModelSource: "catalog", Weights: "random", Precision: "fp32",
			Context: row.context, Generate: 4, Batch: 1, Repeats: 2, Status: row.status, Error: row.error,
			Backend: hello.Backend, MLXVersion: hello.MLX, MLXLMVersion: hello.MLXLM, CreatedAt: time.Now().UTC(),
			ThermalStart: "unknown", ThermalEnd: "unknown", ThermalWorst: "unknown", PowerSource: "unknown", LowPower: "unknown"}
		if _, err := legacy.bench.Store.InsertRun(context.Background(), run); err != nil {
			t.Fatal(err)
		}
	}
	m := &apptest.Measurer{}
	if _, _, err := legacy.sweep(context.Background(), m, false); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Ran(), []string{cfg("fp32", 32).Label(), cfg("fp32", 64).Label()}; !slices.Equal(got, want) {
		t.Fatalf("resume of an old database ran %v, want %v", got, want)
	}

	// A confirmed oom's skip stands.
	confirmed := newSweepRig(t, nil, grid...)
	if _, _, err := confirmed.sweep(context.Background(), &apptest.Measurer{Outcomes: map[string]string{cfg("fp32", 32).Label(): "oom"}}, false); err != nil {
		t.Fatal(err)
	}
	m = &apptest.Measurer{}
	tally, _, err := confirmed.sweep(context.Background(), m, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Ran()) != 0 || tally.already != 3 {
		t.Fatalf("resume after a confirmed oom ran %v (%d already), want nothing", m.Ran(), tally.already)
	}
	if got, want := confirmed.statuses(t), []string{"fp32 16 ok", "fp32 32 oom", "fp32 64 skipped"}; !slices.Equal(got, want) {
		t.Fatalf("stored %v, want %v (no second skip)", got, want)
	}
}

// A configuration counts as measured only with the settings that change the measurement:
// other repetitions, warm-ups, weights, seeds, processes, target intervals or budgets measure it
// again; a timeout, which only bounds it, does not.
func TestSweeperResumeKeyIncludesSettings(t *testing.T) {
	base := engine.Config{Model: "tiny-llama", Precision: "fp32", Weights: "random", Context: 16, Generate: 4, Batch: 1, Repeats: 1}
	r := newSweepRig(t, nil, base)
	if _, _, err := r.sweep(context.Background(), &apptest.Measurer{}, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*engine.Config)
		again  bool
	}{
		{"the same settings", func(*engine.Config) {}, false},
		{"weights auto, which chose random", func(c *engine.Config) { c.Weights = "auto" }, false},
		{"more repetitions", func(c *engine.Config) { c.Repeats = 20 }, true},
		{"checkpoint weights", func(c *engine.Config) { c.Weights = "checkpoint" }, true},
		{"warm-ups", func(c *engine.Config) { c.Warmup = 3 }, true},
		{"processes", func(c *engine.Config) { c.Processes = 3 }, true},
		{"a longer timeout", func(c *engine.Config) { c.Timeout = time.Hour }, false},
		{"min repeats without a target", func(c *engine.Config) { c.MinRepeats = 4 }, false},
		{"another seed", func(c *engine.Config) { c.Seed = 7 }, true},
		{"a target interval", func(c *engine.Config) { c.TargetCI, c.MinRepeats, c.Repeats = 0.05, 2, 4 }, true},
		{"the same target interval", func(c *engine.Config) { c.TargetCI, c.MinRepeats, c.Repeats = 0.05, 2, 4 }, false},
		{"another start of it", func(c *engine.Config) { c.TargetCI, c.MinRepeats, c.Repeats = 0.05, 3, 4 }, true},
		{"a memory budget", func(c *engine.Config) { c.MemoryLimit = 1 << 30 }, true},
		{"more tokens", func(c *engine.Config) { c.Generate = 8 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.change(&cfg)
			r.groups = engine.Plan([]engine.Config{cfg})
			m := &apptest.Measurer{}
			if _, _, err := r.sweep(context.Background(), m, false); err != nil {
				t.Fatal(err)
			}
			if ran := len(m.Ran()) == 1; ran != tt.again {
				t.Fatalf("measured again: %v, want %v", ran, tt.again)
			}
		})
	}
}
