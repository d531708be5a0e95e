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
