package engine

import (
	"math"
	"testing"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{[]float64{3, 1, 2}, 50, 2},
		{[]float64{1, 2}, 50, 1.5},
		{[]float64{1, 2, 3, 4, 5}, 95, 4.8},
		{[]float64{7}, 95, 7},
		{[]float64{10, 0}, 0, 0},
		{[]float64{10, 0}, 100, 10},
	}
	for _, tt := range tests {
		if got := Percentile(tt.xs, tt.p); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tt.xs, tt.p, got, tt.want)
		}
	}
	if !math.IsNaN(Percentile(nil, 50)) {
		t.Error("Percentile of nothing should be NaN")
	}
}

func TestCI95HalfWidth(t *testing.T) {
	// mean 10, sample sd 1, n 4: t(0.975, 3) = 3.182446 → 3.182446 * 1 / 2.
	xs := []float64{9, 10, 11, 10}
	sd := math.Sqrt(2.0 / 3.0)
	got, ok := CI95HalfWidth(xs)
	want := 3.182446305284263 * sd / 2
	if !ok || math.Abs(got-want) > 1e-9 {
		t.Fatalf("CI95HalfWidth = %v, %v; want %v", got, ok, want)
	}
	if _, ok := CI95HalfWidth([]float64{1}); ok {
		t.Error("one value has no confidence interval")
	}
}

func TestSummarize(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	samples := []Sample{
		{Rep: 0, TTFTMs: 30, PrefillTokensPerSec: 100, DecodeMs: 3, DecodeTokensPerSec: f(1000),
			TokenLatenciesMs: []float64{1, 1, 1}, PeakMemoryBytes: 500, RSSBytes: 900},
		{Rep: 1, TTFTMs: 10, PrefillTokensPerSec: 300, DecodeMs: 6, DecodeTokensPerSec: f(500),
			TokenLatenciesMs: []float64{2, 2, 2}, PeakMemoryBytes: 700, RSSBytes: 800},
		{Rep: 2, TTFTMs: 20, PrefillTokensPerSec: 200, DecodeMs: 30, DecodeTokensPerSec: f(100),
			TokenLatenciesMs: []float64{10, 10, 10}, PeakMemoryBytes: 600, RSSBytes: 700},
	}
	s := Summarize(samples)
	checks := []struct {
		name string
		got  *float64
		want float64
	}{
		{"ttft median", s.TTFTMs, 20},
		{"prefill median", s.PrefillTokensPerSec, 200},
		{"ms/token median over all tokens", s.DecodeMsPerToken, 2},
		{"ms/token mean", s.DecodeMsPerTokenMean, 13.0 / 3},
		{"ms/token p95", s.DecodeMsPerTokenP95, 10},
		{"tokens/s mean", s.DecodeTokensPerSec, 1600.0 / 3},
	}
	for _, c := range checks {
		if c.got == nil || math.Abs(*c.got-c.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if s.DecodeTokensPerSecCI95 == nil || *s.DecodeTokensPerSecCI95 <= 0 {
		t.Errorf("CI95 = %v, want a positive half-width", s.DecodeTokensPerSecCI95)
	}
	if *s.PeakMemoryBytes != 700 || *s.RSSBytes != 900 {
		t.Errorf("memory maxima = %d, %d; want 700, 900", *s.PeakMemoryBytes, *s.RSSBytes)
	}

	// generate 1: no decode, so no decode aggregates at all.
	none := Summarize([]Sample{{TTFTMs: 5, PrefillTokensPerSec: 10}})
	if none.DecodeMsPerToken != nil || none.DecodeTokensPerSec != nil || none.DecodeTokensPerSecCI95 != nil {
		t.Errorf("summary without decode tokens has decode aggregates: %+v", none)
	}
}

// Decode tokens/s of real repetitions, in the order they ran. Unless noted, measured on an NVIDIA
// H200 with MLX 0.32.4's CUDA backend, where small models are bound by per-token dispatch.
var recorded = map[string][]float64{
	// ms/token of gpt2-medium and gpt2-large bf16 at context 128, as tokens/s: the first
	// repetition ran at another level than the rest.
	"gpt2-medium bf16, two levels": {1000 / 3.66, 1000 / 6.08, 1000 / 6.05},
	"gpt2-large bf16, two levels":  {1000 / 5.76, 1000 / 9.31, 1000 / 9.60},
	// gpt2 bf16 context 960 batch 1: two repetitions at 320, then three at 515.
	"gpt2 bf16 ctx 960, two levels": {322, 314, 516, 515, 515},
	// gpt2 fp16 context 512 batch 1, one process of eight: 20% apart from the next process, but
	// no step inside it.
	"gpt2 fp16 ctx 512, one level": {453, 446, 450, 475, 412, 422, 459, 439},
	// The same configuration in another process: noisy, with no clean split.
	"gpt2 fp16 ctx 512, noisy": {326, 335, 353, 336, 327, 382, 451, 331},
}

func TestLevelShift(t *testing.T) {
	tests := []struct {
		name    string
		at      int
		shifted bool
	}{
		{"gpt2-medium bf16, two levels", 1, true},
		{"gpt2-large bf16, two levels", 1, true},
		{"gpt2 bf16 ctx 960, two levels", 2, true},
		{"gpt2 fp16 ctx 512, one level", 0, false},
		{"gpt2 fp16 ctx 512, noisy", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, shifted := LevelShift(recorded[tt.name])
			if shifted != tt.shifted || (shifted && at != tt.at) {
				t.Errorf("LevelShift = %d, %v; want %d, %v", at, shifted, tt.at, tt.shifted)
			}
		})
	}
	// Too few repetitions to tell two levels from noise.
	if _, shifted := LevelShift([]float64{100, 200}); shifted {
		t.Error("two repetitions reported as a shift")
	}
	// A step below the threshold is jitter.
	if _, shifted := LevelShift([]float64{100, 101, 108, 109}); shifted {
		t.Error("an 8% step reported as a shift")
	}
}

func TestRerunHalfWidth(t *testing.T) {
	// n 4, sample sd sqrt(2/3): t(0.975, 3) · sd · sqrt(2/4).
	got, ok := RerunHalfWidth([]float64{9, 10, 11, 10})
	want := 3.182446305284263 * math.Sqrt(2.0/3.0) * math.Sqrt(0.5)
	if !ok || math.Abs(got-want) > 1e-9 {
		t.Fatalf("RerunHalfWidth = %v, %v; want %v", got, ok, want)
	}
	if _, ok := RerunHalfWidth([]float64{1}); ok {
		t.Error("one unit has no spread")
	}
}

func TestSummarizeIntervalIsOverProcessesWhenThereAreSeveral(t *testing.T) {
	// Two processes, each steady inside, far apart from each other: the interval must come from
	// the two process means, not from the eight repetitions.
	var samples []Sample
	for p, level := range []float64{300, 450} {
		for _, jitter := range []float64{-2, 1, -1, 2} {
			samples = append(samples, Sample{Process: p, TTFTMs: 1, DecodeTokensPerSec: ptr(level + jitter)})
		}
	}
	s := Summarize(samples)
	want, _ := RerunHalfWidth([]float64{300, 450})
	if s.Processes != 2 || s.DecodeTokensPerSecCI95 == nil || math.Abs(*s.DecodeTokensPerSecCI95-want) > 1e-9 {
		t.Fatalf("processes %d, half-width %v; want 2, %v", s.Processes, s.DecodeTokensPerSecCI95, want)
	}
	if s.Stability != StabilityStable {
		t.Errorf("stability %q, want %q: each process is steady", s.Stability, StabilityStable)
	}
	one := Summarize(samples[:4])
	if one.Processes != 1 || *one.DecodeTokensPerSecCI95 > 10 {
		t.Errorf("one process: processes %d, half-width %v", one.Processes, *one.DecodeTokensPerSecCI95)
	}
}

func TestAdaptiveRepetitionsStopWhenSettled(t *testing.T) {
	// Each sequence is fed one repetition at a time, as the runner measures them after its first
	// three (the default --min-repeats); want is the
	// repetition count at which the rule stops (0: it never does within the sequence). The
	// expected counts were worked out by hand from the t quantiles.
	within := []float64{515.3, 512.6, 454.6, 421.7, 415.1, 406.2, 423.4, 410.2, 414.9, 407.1, 424.1, 431.0,
		424.3, 428.2, 418.2, 423.2, 470.5, 498.3, 491.9, 487.1} // one H200 process, 20 repetitions in a row
	tests := []struct {
		name   string
		xs     []float64
		target float64
		want   int
	}{
		{"one level, 3%", recorded["gpt2 fp16 ctx 512, one level"], 0.03, 3},
		{"one level, 10%", recorded["gpt2 fp16 ctx 512, one level"], 0.10, 3},
		{"noisy, 5%", recorded["gpt2 fp16 ctx 512, noisy"], 0.05, 5},
		{"noisy, 3%", recorded["gpt2 fp16 ctx 512, noisy"], 0.03, 0},
		// Precise enough at 14 repetitions by the interval alone, but the first two ran 20% above
		// the rest: the rule keeps measuring.
		{"two levels, 5%", within, 0.05, 0},
		{"gpt2-medium bf16 two levels, 10%", recorded["gpt2-medium bf16, two levels"], 0.10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var samples []Sample
			got := 0
			for _, x := range tt.xs {
				samples = append(samples, Sample{DecodeTokensPerSec: ptr(x)})
				if len(samples) >= 3 && settled(samples, tt.target) { // at least --min-repeats' default

					got = len(samples)
					break
				}
			}
			if got != tt.want {
				t.Errorf("stopped at %d repetitions, want %d", got, tt.want)
			}
		})
	}
	// The interval alone would have stopped the two-level sequence.
	var samples []Sample
	for _, x := range within[:14] {
		samples = append(samples, Sample{DecodeTokensPerSec: ptr(x)})
	}
	if !precise(samples, 0.05) {
		t.Error("14 repetitions should be precise to 5% by the interval alone")
	}
}
