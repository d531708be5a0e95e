package advisor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gpuLaw generates measurements as a GPU runs small models: every layer
// costs a fixed dispatch time, whatever its size, on top of the bytes read
// at the device's bandwidth; quantized layers launch more kernels, and
// bf16 kernels are a little slower than fp16's. Decode of a 12-layer model
// then takes about the same time at any precision, as measured on an H200.
type gpuLaw struct {
	perLayerMs   map[string]float64 // decode dispatch time per layer
	bandwidthGBs float64
	tflops       float64
	noise        float64
}

var h200Law = gpuLaw{
	perLayerMs:   map[string]float64{"fp16": 0.11, "bf16": 0.12, "int8": 0.15, "int4": 0.16},
	bandwidthGBs: 2500, tflops: 150, noise: 0.04,
}

func (l gpuLaw) sweep(t *testing.T, seed uint64) []Observation {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	models := []string{"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "smollm2-135m", "qwen2.5-0.5b", "llama-3.2-1b"}
	bits := map[string]int{"fp16": 16, "bf16": 16, "int8": 8, "int4": 4}
	var obs []Observation
	for _, m := range models {
		s := catalogShape(t, m)
		params := EstimateParams(s)
		for _, pr := range []string{"fp16", "bf16", "int8", "int4"} {
			group := 0
			if bits[pr] < 16 {
				group = 64
			}
			for _, ctx := range []int{128, 256, 512, 960} {
				for _, b := range []int{1, 8} {
					o := Observation{
						RunID: int64(len(obs) + 1), Model: m, Precision: pr, Status: StatusOK,
						Params: params, WeightBytes: EstimateWeightBytes(params, bits[pr], group, ""), Shape: s,
						Context: ctx, Generate: 32, Batch: b,
					}
					p := derive(o.Query())
					noise := func() float64 { return math.Exp(rng.NormFloat64() * l.noise) }
					layer := l.perLayerMs[pr] * p.layers
					o.DecodeMsPerToken = (layer + p.decodeBytes/(l.bandwidthGBs*1e6)) * noise()
					o.TTFTMs = (2*layer + p.prefillFlops/(l.tflops*1e9) + p.weightBytes/(l.bandwidthGBs*1e6)) * noise()
					o.PeakMemoryBytes = int64((p.weightBytes + p.kvBytes + p.logitsBytes + 300<<20) * math.Exp(rng.NormFloat64()*0.01))
					obs = append(obs, o)
				}
			}
		}
	}
	return obs
}

// TestTrainOnDispatchBoundLaw is the GPU case: decode follows layer count
// more than bytes, which a bytes-over-bandwidth roofline cannot fit.
func TestTrainOnDispatchBoundLaw(t *testing.T) {
	obs := h200Law.sweep(t, 5)
	f, err := Train(obs, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := f.Metrics
	for _, c := range []struct {
		name          string
		got, lo, most float64
	}{
		{"decode MAPE (CV)", val(m.DecodeMAPECV), 0, 0.10},
		{"decode MAPE (leave one model out)", val(m.DecodeMAPELOMO), 0, 0.20},
		{"TTFT MAPE (CV)", val(m.TTFTMAPECV), 0, 0.15},
		{"memory MAPE (CV)", val(m.MemoryMAPECV), 0, 0.05},
		{"decode 90% interval coverage", val(m.IntervalCoverage90), 0.85, 0.95},
	} {
		if !(c.lo <= c.got && c.got <= c.most) {
			t.Errorf("%s = %.3f, want within [%.2f, %.2f]", c.name, c.got, c.lo, c.most)
		}
	}
	if !(val(m.DecodeMAPECVRoofline) > 2*val(m.DecodeMAPECV)) {
		t.Errorf("roofline decode MAPE %.3f, chosen %s %.3f: the law should defeat a bytes-only roofline",
			val(m.DecodeMAPECVRoofline), m.DecodeModel, val(m.DecodeMAPECV))
	}
	if got := len(f.HeldOut["decode"]); got != len(obs) {
		t.Errorf("%d held-out decode predictions, want one per run (%d)", got, len(obs))
	}
	t.Logf("decode %s: %.1f%% CV, %.1f%% LOMO, coverage %.1f%%; ttft %s %.1f%%; memory %s %.2f%%; warnings %q",
		m.DecodeModel, 100*val(m.DecodeMAPECV), 100*val(m.DecodeMAPELOMO), 100*val(m.IntervalCoverage90),
		m.TTFTModel, 100*val(m.TTFTMAPECV), m.MemoryModel, 100*val(m.MemoryMAPECV), m.Warnings)
}

func TestDecodeCostsReadTheLaw(t *testing.T) {
	f, err := Train(h200Law.sweep(t, 8), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	costs := f.DecodeCosts()
	if f.Decode.Kind != kindOverhead || len(costs) != 4 {
		t.Fatalf("decode %s, costs %+v", f.Decode.Kind, costs)
	}
	for _, c := range costs {
		want := h200Law.perLayerMs[c.Precision]
		if math.Abs(c.PerLayerMs-want)/want > 0.15 {
			t.Errorf("%s: %.3f ms per layer, the law has %.3f", c.Precision, c.PerLayerMs, want)
		}
	}
}

func TestLongKeyShare(t *testing.T) {
	for _, c := range []struct {
		precision         string
		context, generate int
		want              float64
	}{
		{"fp16", 128, 64, 0},        // 128 to 191 keys: MLX's own kernel throughout
		{"bf16", 512, 64, 1},        // every step past 256 keys
		{"int4", 200, 64, 8.0 / 64}, // keys reach 256 at the 57th token
		{"fp16", 256, 1, 1},
		{"fp16", 255, 1, 0},
		{"fp32", 512, 64, 0}, // cuDNN attention is for half precision only
	} {
		q := Query{Precision: c.precision, Context: c.context, Generate: c.generate, Batch: 1,
			Params: 1e6, WeightBytes: 2e6, Shape: Shape{Layers: 2, Hidden: 64, Heads: 4, KVHeads: 4, HeadDim: 16, Intermediate: 256, Vocab: 100}}
		if c.precision == "fp32" {
			q.WeightBytes = 4e6
		}
		if got := derive(q).longKeyShare; math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s, context %d, generate %d: long-key share %.4f, want %.4f", c.precision, c.context, c.generate, got, c.want)
		}
	}
}

func TestBiasedLinears(t *testing.T) {
	base := func(kv ...any) map[string]any {
		cfg := map[string]any{"model_type": "llama", "hidden_size": 64.0, "num_hidden_layers": 2.0, "num_attention_heads": 4.0}
		for i := 0; i < len(kv); i += 2 {
			cfg[kv[i].(string)] = kv[i+1]
		}
		return cfg
	}
	for _, c := range []struct {
		name string
		cfg  map[string]any
		want int
	}{
		{"gpt2", map[string]any{"model_type": "gpt2", "n_layer": 2.0, "n_embd": 64.0, "n_head": 4.0}, 4},
		{"llama", base(), 0},
		{"qwen2", base("model_type", "qwen2"), 3},
		{"llama attention_bias", base("attention_bias", true), 4},
		{"llama mlp_bias", base("mlp_bias", true), 3},
		{"llama both", base("attention_bias", true, "mlp_bias", true), 7},
		{"llama attention_bias false", base("attention_bias", false), 0},
	} {
		s, err := ShapeFromConfig(c.cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s.BiasedLinears != c.want {
			t.Errorf("%s: %d biased linears, want %d", c.name, s.BiasedLinears, c.want)
		}
	}
}

// TestRobustFitResistsLevelShifts: when some runs step to a slower level, the least-squares
// rate follows them and the least-absolute one stays with the rest.
func TestRobustFitResistsLevelShifts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var terms [][]float64
	var y []float64
	for i := range 60 {
		x := 1 + float64(i%12)
		v := 0.15 * x * math.Exp(rng.NormFloat64()*0.03)
		if i%6 == 0 {
			v *= 1.8 // a run that shifted to the slow level
		}
		terms, y = append(terms, []float64{x}), append(y, v)
	}
	for _, c := range []struct {
		robust bool
		lo, hi float64
	}{
		{false, 0.154, 0.25},
		{true, 0.145, 0.153},
	} {
		s, err := nnlsRelative(terms, y, false, c.robust)
		if err != nil {
			t.Fatal(err)
		}
		if !(c.lo <= s[0] && s[0] <= c.hi) {
			t.Errorf("robust %v: rate %.4f, want within [%.3f, %.3f] (the law's is 0.15)", c.robust, s[0], c.lo, c.hi)
		}
	}
}
