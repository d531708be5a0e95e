package advisor

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/inferbench/inferbench/advisor/physics"
)

// catalogShapes reads the model shapes from the worker's catalog, the same
// file the app ships.
func catalogShapes(t *testing.T) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile("../Resources/worker/inferbench_worker/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Models []struct {
			Name   string         `json:"name"`
			Config map[string]any `json:"config"`
		} `json:"models"`
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, m := range cat.Models {
		out[m.Name] = m.Config
	}
	return out
}

func catalogShape(t *testing.T, name string) Shape {
	t.Helper()
	cfg, ok := catalogShapes(t)[name]
	if !ok {
		t.Fatalf("catalog has no model %q", name)
	}
	s, err := ShapeFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// law generates measurements from the physics the advisor assumes: decode
// reads the weights and KV cache once per step at an effective bandwidth,
// slowed by a factor per precision (the Linux CPU's scalar half-precision
// kernels); the first token costs the prompt's FLOPs at a rate also slowed
// per precision; peak memory is weights, KV cache, logits and a fixed
// overhead. Each measurement carries log-normal noise.
type law struct {
	bandwidthGBs float64            // effective
	known        bool               // whether observations report the bandwidth
	factor       map[string]float64 // decode and prefill slowdown per precision
	gflops       float64            // prefill rate
	noise        float64            // log-space standard deviation
	overhead     float64            // bytes
}

var cpuLaw = law{
	bandwidthGBs: 20, factor: map[string]float64{"fp32": 1, "fp16": 3},
	gflops: 200, noise: 0.03, overhead: 60 << 20,
}

func (l law) observe(rng *rand.Rand, id int64, model string, s Shape, precision string, ctx, gen, batch int) Observation {
	params := EstimateParams(s)
	bits := 32
	if precision != "fp32" {
		bits = 16
	}
	o := Observation{
		RunID: id, Model: model, Precision: precision, Status: StatusOK,
		Params: params, WeightBytes: EstimateWeightBytes(params, bits, 0, ""), Shape: s,
		Context: ctx, Generate: gen, Batch: batch,
	}
	if l.known {
		o.BandwidthGBs = l.bandwidthGBs
	}
	p := physics.Derive(o.Query())
	f := l.factor[precision]
	noise := func() float64 { return math.Exp(rng.NormFloat64() * l.noise) }
	o.DecodeMsPerToken = p.DecodeBytes / (l.bandwidthGBs * 1e6) * f * noise()
	o.TTFTMs = (p.PrefillFlops/(l.gflops*1e6)*f + p.WeightBytes/(l.bandwidthGBs*1e6)) * noise()
	o.PeakMemoryBytes = int64((p.WeightBytes + p.KVBytes + p.LogitsBytes + l.overhead) * noise())
	return o
}

// sweep measures every combination once.
func (l law) sweep(t *testing.T, seed uint64, models []string, precisions []string, contexts, batches []int) []Observation {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var obs []Observation
	for _, m := range models {
		s := catalogShape(t, m)
		for _, pr := range precisions {
			for _, c := range contexts {
				for _, b := range batches {
					obs = append(obs, l.observe(rng, int64(len(obs)+1), m, s, pr, c, 32, b))
				}
			}
		}
	}
	return obs
}

var (
	gpt2Sizes = []string{"gpt2", "gpt2-medium", "gpt2-large"}
	contexts  = []int{64, 128, 256, 512, 1024}
)

// cpuSweep is the sweep the advisor's targets are stated for: three GPT-2
// sizes, several contexts, two precisions.
func cpuSweep(t *testing.T) []Observation {
	return cpuLaw.sweep(t, 1, gpt2Sizes, []string{"fp32", "fp16"}, contexts, []int{1, 2})
}

// trained caches the fit of the CPU sweep across tests.
var trained struct {
	fit *Fit
	obs []Observation
}

func cpuFit(t *testing.T) (*Fit, []Observation) {
	t.Helper()
	if trained.fit == nil {
		obs := cpuSweep(t)
		f, err := Train(obs, Options{Seed: 1})
		if err != nil {
			t.Fatalf("Train: %v", err)
		}
		trained.fit, trained.obs = f, obs
	}
	return trained.fit, trained.obs
}

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
