package advisor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
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
					p := physics.Derive(o.Query())
					noise := func() float64 { return math.Exp(rng.NormFloat64() * l.noise) }
					layer := l.perLayerMs[pr] * p.Layers
					o.DecodeMsPerToken = (layer + p.DecodeBytes/(l.bandwidthGBs*1e6)) * noise()
					o.TTFTMs = (2*layer + p.PrefillFlops/(l.tflops*1e9) + p.WeightBytes/(l.bandwidthGBs*1e6)) * noise()
					o.PeakMemoryBytes = int64((p.WeightBytes + p.KVBytes + p.LogitsBytes + 300<<20) * math.Exp(rng.NormFloat64()*0.01))
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
		{"decode MAPE (CV)", val(m.Decode.MAPE5Fold), 0, 0.10},
		{"decode MAPE (leave one model out)", val(m.Decode.MAPELOMO), 0, 0.20},
		{"TTFT MAPE (CV)", val(m.TTFT.MAPE5Fold), 0, 0.15},
		{"memory MAPE (CV)", val(m.Memory.MAPE5Fold), 0, 0.05},
		{"decode 90% interval coverage", val(m.Decode.Coverage90), 0.85, 0.95},
	} {
		if !(c.lo <= c.got && c.got <= c.most) {
			t.Errorf("%s = %.3f, want within [%.2f, %.2f]", c.name, c.got, c.lo, c.most)
		}
	}
	if !(val(m.Decode.Kinds[regress.KindRoofline].MAPE5Fold) > 2*val(m.Decode.MAPE5Fold)) {
		t.Errorf("roofline decode MAPE %.3f, chosen %s %.3f: the law should defeat a bytes-only roofline",
			val(m.Decode.Kinds[regress.KindRoofline].MAPE5Fold), m.Decode.Model, val(m.Decode.MAPE5Fold))
	}
	if got := len(f.HeldOut["decode"]); got != len(obs) {
		t.Errorf("%d held-out decode predictions, want one per run (%d)", got, len(obs))
	}
	t.Logf("decode %s: %.1f%% CV, %.1f%% LOMO, coverage %.1f%%; ttft %s %.1f%%; memory %s %.2f%%; warnings %q",
		m.Decode.Model, 100*val(m.Decode.MAPE5Fold), 100*val(m.Decode.MAPELOMO), 100*val(m.Decode.Coverage90),
		m.TTFT.Model, 100*val(m.TTFT.MAPE5Fold), m.Memory.Model, 100*val(m.Memory.MAPE5Fold), m.Warnings)
}

func TestDecodeCostsReadTheLaw(t *testing.T) {
	f, err := Train(h200Law.sweep(t, 8), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	costs := f.DecodeCosts()
	if f.Decode.Kind != regress.KindOverhead || len(costs) != 4 {
		t.Fatalf("decode %s, costs %+v", f.Decode.Kind, costs)
	}
	for _, c := range costs {
		want := h200Law.perLayerMs[c.Precision]
		if math.Abs(c.PerLayerMs-want)/want > 0.15 {
			t.Errorf("%s: %.3f ms per layer, the law has %.3f", c.Precision, c.PerLayerMs, want)
		}
	}
}

func TestBeyondNominal(t *testing.T) {
	tests := []struct {
		costs []Cost
		want  bool
	}{
		{nil, false},
		{[]Cost{{Precision: "fp16", Efficiency: 0.8}, {Precision: "int4", Efficiency: 1}}, false},
		{[]Cost{{Precision: "fp16", Efficiency: 0.8}, {Precision: "int4", Efficiency: 1.64}}, true},
		{[]Cost{{Precision: "fp16", BandwidthGBs: 9000}}, false}, // no nominal bandwidth to exceed
	}
	for _, tt := range tests {
		if got := AnyBeyondNominal(tt.costs); got != tt.want {
			t.Errorf("AnyBeyondNominal(%+v) = %v, want %v", tt.costs, got, tt.want)
		}
	}
}
