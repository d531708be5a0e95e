package advisor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// powerLaw builds runs whose targets follow known powers of context and
// batch, scaled per model, with a little noise.
func powerLaw(t *testing.T) []Observation {
	rng := rand.New(rand.NewPCG(9, 9))
	scale := map[string]float64{"gpt2": 1, "gpt2-medium": 3, "gpt2-large": 9}
	var obs []Observation
	for _, m := range gpt2Sizes {
		s := catalogShape(t, m)
		for _, pr := range []string{"fp16", "fp32"} {
			for _, c := range []int{64, 128, 256, 512} {
				for _, b := range []int{1, 2, 4} {
					n := func() float64 { return math.Exp(0.01 * rng.NormFloat64()) }
					obs = append(obs, Observation{
						RunID: int64(len(obs) + 1), Model: m, Precision: pr, Status: StatusOK, Shape: s,
						Params: EstimateParams(s), WeightBytes: EstimateParams(s) * 2, Context: c, Generate: 8, Batch: b,
						DecodeMsPerToken: scale[m] * math.Pow(float64(c), 0.25) * n(),
						TTFTMs:           scale[m] * float64(c) * float64(b) * n(),
						PeakMemoryBytes:  int64(1e8 * scale[m] * math.Pow(float64(b), 0.5) * n()),
					})
				}
			}
		}
	}
	return obs
}

func TestScalingExponents(t *testing.T) {
	want := map[[2]string]float64{
		{"decode", "context"}: 0.25, {"decode", "batch"}: 0,
		{"ttft", "context"}: 1, {"ttft", "batch"}: 1,
		{"memory", "context"}: 0, {"memory", "batch"}: 0.5,
	}
	got := ScalingExponents(powerLaw(t))
	if len(got) != len(want) {
		t.Fatalf("%d exponents, want %d: %+v", len(got), len(want), got)
	}
	for _, e := range got {
		w := want[[2]string{e.Target, e.Factor}]
		if !(e.Low <= w && w <= e.High) || e.High-e.Low > 0.05 {
			t.Errorf("%s ∝ %s^%.3f [%.3f, %.3f], want %.2f inside a narrow interval", e.Target, e.Factor, e.Exponent, e.Low, e.High, w)
		}
	}
}

func TestVarianceShares(t *testing.T) {
	shares := map[[2]string]float64{}
	for _, s := range VarianceShares(powerLaw(t)) {
		shares[[2]string{s.Target, s.Factor}] = s.Share
	}
	// Decode varies with the model (ninefold) far more than with context, and not with
	// batch or precision; memory not at all with context.
	for _, c := range []struct {
		target, factor string
		lo, hi         float64
	}{
		{"decode", "model", 0.8, 1}, {"decode", "batch", 0, 0.01}, {"decode", "precision", 0, 0.01},
		{"decode", "context", 0.02, 0.2}, {"memory", "context", 0, 0.01}, {"ttft", "residual", 0, 0.05},
	} {
		if v, ok := shares[[2]string{c.target, c.factor}]; !ok || v < c.lo || v > c.hi {
			t.Errorf("%s share of %s = %.3f (present %v), want within [%.2f, %.2f]", c.factor, c.target, v, ok, c.lo, c.hi)
		}
	}
}

func TestCorrelations(t *testing.T) {
	c := Correlations(powerLaw(t))
	at := func(a, b string) float64 {
		i, j := -1, -1
		for k, n := range CorrelationVariables {
			if n == a {
				i = k
			}
			if n == b {
				j = k
			}
		}
		return c[i][j]
	}
	if v := at("log_ttft_ms", "log_context"); !(v > 0.3) {
		t.Errorf("corr(log TTFT, log context) = %.3f, want clearly positive", v)
	}
	if v := at("log_decode_ms", "log_batch"); math.Abs(v) > 0.1 {
		t.Errorf("corr(log decode, log batch) = %.3f, want near zero", v)
	}
	if v := at("layers", "layers"); math.Abs(v-1) > 1e-9 {
		t.Errorf("corr(layers, layers) = %v", v)
	}
}
