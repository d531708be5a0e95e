package advisor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/inferbench/inferbench/advisor/physics"
)

func TestCombineRepeats(t *testing.T) {
	s := Shape{Layers: 12, Hidden: 768, Heads: 12, KVHeads: 12, HeadDim: 64, Intermediate: 3072, Vocab: 50257}
	run := func(id int64, ctx int, decode, ttft float64, mem int64) Observation {
		return Observation{RunID: id, Model: "gpt2", Precision: "fp16", Status: StatusOK, Params: 124e6, WeightBytes: 248e6,
			Shape: s, Context: ctx, Generate: 32, Batch: 1, DecodeMsPerToken: decode, TTFTMs: ttft, PeakMemoryBytes: mem}
	}
	oom := run(9, 128, 0, 0, 0)
	oom.Status = StatusOOM
	tests := []struct {
		name  string
		obs   []Observation
		want  []Observation // measurements and representative run
		runID [][]int64
	}{
		{"one run each is left as it is",
			[]Observation{run(1, 128, 2, 10, 1000), run(2, 512, 3, 20, 2000)},
			[]Observation{run(1, 128, 2, 10, 1000), run(2, 512, 3, 20, 2000)},
			[][]int64{{1}, {2}}},
		{"a rerun combines in, at the fastest times and the largest peak, and the latest run stands for both",
			[]Observation{run(1, 128, 2, 30, 1000), run(2, 512, 3, 20, 2000), run(3, 128, 4, 10, 3001)},
			[]Observation{run(3, 128, 2, 10, 3001), run(2, 512, 3, 20, 2000)},
			[][]int64{{1, 3}, {2}}},
		{"the fastest of three runs, wherever it falls",
			[]Observation{run(1, 128, 5, 12, 1000), run(2, 128, 3, 11, 900), run(3, 128, 4, 13, 1100)},
			[]Observation{run(3, 128, 3, 11, 1100)},
			[][]int64{{1, 2, 3}}},
		{"a run without decode does not pull decode to zero",
			[]Observation{run(1, 128, 2, 10, 1000), run(2, 128, 0, 30, 1000)},
			[]Observation{run(2, 128, 2, 10, 1000)},
			[][]int64{{1, 2}}},
		{"runs that cannot be fitted are left out",
			[]Observation{oom, run(1, 128, 2, 10, 1000), {RunID: 5, Model: "x", Status: StatusOK}},
			[]Observation{run(1, 128, 2, 10, 1000)},
			[][]int64{{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := combineRepeats(tt.obs)
			if len(got) != len(tt.want) {
				t.Fatalf("%d configurations, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.RunID != w.RunID || g.Context != w.Context || math.Abs(g.DecodeMsPerToken-w.DecodeMsPerToken) > 1e-12 ||
					math.Abs(g.TTFTMs-w.TTFTMs) > 1e-12 || g.PeakMemoryBytes != w.PeakMemoryBytes {
					t.Errorf("configuration %d = run %d ctx %d decode %g ttft %g memory %d, want run %d ctx %d decode %g ttft %g memory %d",
						i, g.RunID, g.Context, g.DecodeMsPerToken, g.TTFTMs, g.PeakMemoryBytes,
						w.RunID, w.Context, w.DecodeMsPerToken, w.TTFTMs, w.PeakMemoryBytes)
				}
				if !slices.Equal(g.runIDs, tt.runID[i]) {
					t.Errorf("configuration %d stands for runs %v, want %v", i, g.runIDs, tt.runID[i])
				}
			}
		})
	}
}

// A configuration measured five times weighs in the fit as one, at its
// fastest times and its largest peak: the fit equals the one on the sweep
// with that configuration measured once at those values.
func TestTrainCountsARepeatedConfigurationOnce(t *testing.T) {
	base := cpuSweep(t)
	rng := rand.New(rand.NewPCG(3, 4))
	repeated := slices.Clone(base)
	once := slices.Clone(base)
	target := base[0]
	decode, ttft, mem := target.DecodeMsPerToken, target.TTFTMs, target.PeakMemoryBytes
	for i := range 5 {
		o := target
		o.RunID = int64(1000 + i)
		o.DecodeMsPerToken *= 1 + 0.3*(rng.Float64()-0.5)
		o.TTFTMs *= 1 + 0.3*(rng.Float64()-0.5)
		o.PeakMemoryBytes = int64(float64(o.PeakMemoryBytes) * (1 + 0.1*(rng.Float64()-0.5)))
		decode, ttft, mem = min(decode, o.DecodeMsPerToken), min(ttft, o.TTFTMs), max(mem, o.PeakMemoryBytes)
		repeated = append(repeated, o)
	}
	if decode == target.DecodeMsPerToken || mem == target.PeakMemoryBytes {
		t.Fatal("no rerun is faster, or none peaks higher, than the first run: the test cannot tell the rule from keeping the first")
	}
	// The combined run stands where the first run was, as combineRepeats orders by first run.
	once[0].RunID, once[0].DecodeMsPerToken, once[0].TTFTMs, once[0].PeakMemoryBytes = 1004, decode, ttft, mem

	fr, err := Train(repeated, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	fo, err := Train(once, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if fr.NRuns != len(base)+5 || fr.Metrics.NConfigs != len(base) || len(fr.RunIDs) != len(base)+5 {
		t.Errorf("NRuns %d, configurations %d, run ids %d; want %d runs of %d configurations",
			fr.NRuns, fr.Metrics.NConfigs, len(fr.RunIDs), len(base)+5, len(base))
	}
	if got := len(fr.HeldOut["decode"]); got != len(base) {
		t.Errorf("%d held-out decode predictions, want one per configuration (%d)", got, len(base))
	}
	for _, c := range []struct {
		name string
		a, b *float64
	}{
		{"decode", fr.Metrics.Decode.MAPE5Fold, fo.Metrics.Decode.MAPE5Fold},
		{"memory", fr.Metrics.Memory.MAPE5Fold, fo.Metrics.Memory.MAPE5Fold},
	} {
		if a, b := val(c.a), val(c.b); math.Abs(a-b) > 1e-9 {
			t.Errorf("%s MAPE %g with the repeats, %g with the combined run once: the repeats weigh more than one configuration, or combine otherwise", c.name, a, b)
		}
	}
	q := target.Query()
	if pa, pb := fr.Decode.Estimate(physics.Derive(q)).Value(), fo.Decode.Estimate(physics.Derive(q)).Value(); math.Abs(pa-pb) > 1e-9*pb {
		t.Errorf("decode prediction %g with the repeats, %g with the combined run once", pa, pb)
	}
}
