package physics

import (
	"math"
	"testing"
)

func TestShapeFromConfig(t *testing.T) {
	cfgs := catalogShapes(t)
	for _, c := range []struct {
		model string
		want  Shape
		// Published parameter counts, which EstimateParams should approach.
		params float64
	}{
		{"gpt2", Shape{Layers: 12, Hidden: 768, Heads: 12, KVHeads: 12, HeadDim: 64, Intermediate: 3072, Vocab: 50257, BiasedLinears: 4}, 124e6},
		{"gpt2-xl", Shape{Layers: 48, Hidden: 1600, Heads: 25, KVHeads: 25, HeadDim: 64, Intermediate: 6400, Vocab: 50257, BiasedLinears: 4}, 1558e6},
		{"smollm2-135m", Shape{Layers: 30, Hidden: 576, Heads: 9, KVHeads: 3, HeadDim: 64, Intermediate: 1536, Vocab: 49152, GatedMLP: true}, 134.5e6},
		{"llama-3.2-1b", Shape{Layers: 16, Hidden: 2048, Heads: 32, KVHeads: 8, HeadDim: 64, Intermediate: 8192, Vocab: 128256, GatedMLP: true}, 1236e6},
		{"qwen2.5-0.5b", Shape{Layers: 24, Hidden: 896, Heads: 14, KVHeads: 2, HeadDim: 64, Intermediate: 4864, Vocab: 151936, GatedMLP: true, BiasedLinears: 3}, 494e6},
	} {
		t.Run(c.model, func(t *testing.T) {
			cfg, ok := cfgs[c.model]
			if !ok {
				t.Fatalf("catalog has no %s", c.model)
			}
			got, err := ShapeFromConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("ShapeFromConfig = %+v, want %+v", got, c.want)
			}
			if p := float64(EstimateParams(got)); math.Abs(p-c.params)/c.params > 0.02 {
				t.Errorf("EstimateParams = %.4g, want within 2%% of %.4g", p, c.params)
			}
		})
	}
}

func TestShapeFromConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  map[string]any
	}{
		{"empty", map[string]any{}},
		{"no heads", map[string]any{"model_type": "llama", "hidden_size": 64.0, "num_hidden_layers": 2.0}},
		{"fractional", map[string]any{"n_layer": 2.5, "n_embd": 64.0, "n_head": 4.0}},
		{"text", map[string]any{"n_layer": "two", "n_embd": 64.0, "n_head": 4.0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if s, err := ShapeFromConfig(c.cfg); err == nil {
				t.Errorf("ShapeFromConfig = %+v, want an error", s)
			}
		})
	}
}

func TestEstimateWeightBytes(t *testing.T) {
	const n = 1 << 20
	for _, c := range []struct {
		bits, group int
		mode        string
		bitsPer     float64
	}{
		{32, 0, "", 32},
		{16, 0, "", 16},
		{4, 64, "affine", 4.5}, // 16-bit scale and bias per 64 weights
		{8, 64, "affine", 8.5},
		{4, 32, "mxfp4", 4.25}, // one 8-bit scale per 32
	} {
		if got, want := EstimateWeightBytes(n, c.bits, c.group, c.mode), int64(n*c.bitsPer/8); got != want {
			t.Errorf("EstimateWeightBytes(%d bits, group %d, %q) = %d, want %d", c.bits, c.group, c.mode, got, want)
		}
	}
}
