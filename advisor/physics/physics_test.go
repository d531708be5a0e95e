package physics

import (
	"math"
	"testing"
)

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
		if got := Derive(q).LongKeyShare; math.Abs(got-c.want) > 1e-12 {
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
