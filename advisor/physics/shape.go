package physics

import (
	"fmt"
	"math"
)

// Shape is a model's architecture as the features need it.
type Shape struct {
	Layers       int `json:"layers"`
	Hidden       int `json:"hidden"`
	Heads        int `json:"heads"`
	KVHeads      int `json:"kv_heads"`
	HeadDim      int `json:"head_dim"`
	Intermediate int `json:"intermediate"`
	Vocab        int `json:"vocab"`
	// GatedMLP is a Llama-style MLP of three matrices (gate, up, down)
	// rather than GPT-2's two.
	GatedMLP bool `json:"gated_mlp,omitempty"`
	// BiasedLinears counts a layer's linear maps that add a bias: GPT-2's
	// four, Qwen2's three (query, key, value), none in Llama unless its
	// configuration asks. Each is one more kernel a layer launches.
	BiasedLinears int `json:"biased_linears,omitempty"`
}

// ShapeFromConfig reads a model configuration as found in the catalog or a
// checkpoint's config.json. GPT-2 (n_layer, n_embd, n_head) and Llama-style
// (num_hidden_layers, hidden_size, …) key names are understood.
func ShapeFromConfig(cfg map[string]any) (Shape, error) {
	var s Shape
	var err error
	geti := func(keys ...string) int {
		for _, k := range keys {
			v, ok := cfg[k]
			if !ok || v == nil {
				continue
			}
			f, ok := v.(float64)
			if !ok {
				if i, isInt := v.(int); isInt {
					f, ok = float64(i), true
				}
			}
			if !ok || f != math.Trunc(f) || f < 0 {
				if err == nil {
					err = fmt.Errorf("model config: %s must be a non-negative integer, got %v", k, v)
				}
				return 0
			}
			return int(f)
		}
		return 0
	}
	s.Layers = geti("n_layer", "num_hidden_layers")
	s.Hidden = geti("n_embd", "hidden_size")
	s.Heads = geti("n_head", "num_attention_heads")
	s.KVHeads = geti("num_key_value_heads")
	s.HeadDim = geti("head_dim")
	s.Intermediate = geti("n_inner", "intermediate_size")
	s.Vocab = geti("vocab_size")
	_, s.GatedMLP = cfg["hidden_size"]
	s.BiasedLinears = biasedLinears(cfg)
	if err != nil {
		return Shape{}, err
	}
	if s.Layers == 0 || s.Hidden == 0 || s.Heads == 0 {
		return Shape{}, fmt.Errorf("model config (model_type %v): need the number of layers, the hidden size and the number of attention heads (n_layer/n_embd/n_head or num_hidden_layers/hidden_size/num_attention_heads)", cfg["model_type"])
	}
	// Defaults follow the architectures' own: no grouped-query attention,
	// head size hidden/heads, and GPT-2's 4× MLP.
	if s.KVHeads == 0 {
		s.KVHeads = s.Heads
	}
	if s.HeadDim == 0 {
		s.HeadDim = s.Hidden / s.Heads
	}
	if s.Intermediate == 0 {
		s.Intermediate = 4 * s.Hidden
	}
	return s, nil
}

// biasedLinears counts the linear maps per layer that carry a bias, as
// mlx-lm builds each architecture: GPT-2's attention and MLP projections all
// do; Qwen2 biases its query, key and value projections; a Llama-style model
// biases its four attention projections with attention_bias and its three
// MLP ones with mlp_bias.
func biasedLinears(cfg map[string]any) int {
	if _, gpt2 := cfg["n_embd"]; gpt2 {
		return 4
	}
	n := 0
	if cfg["model_type"] == "qwen2" {
		n = 3
	}
	if b, _ := cfg["attention_bias"].(bool); b {
		n = 4
	}
	if b, _ := cfg["mlp_bias"].(bool); b {
		n += 3
	}
	return n
}

// EstimateParams approximates the parameter count of a decoder-only
// transformer of this shape, with tied input and output embeddings. It lets a
// configuration that was never loaded be predicted; measured runs carry the
// exact count.
func EstimateParams(s Shape) int64 {
	h := int64(s.Hidden)
	attn := h*int64(s.Heads*s.HeadDim) + 2*h*int64(s.KVHeads*s.HeadDim) + int64(s.Heads*s.HeadDim)*h
	mats := int64(2)
	if s.GatedMLP {
		mats = 3
	}
	mlp := mats * h * int64(s.Intermediate)
	return int64(s.Layers)*(attn+mlp) + int64(s.Vocab)*h
}

// EstimateWeightBytes approximates the bytes of weights stored at a
// precision: bits per weight for float types, and for quantized ones the
// bits plus a 16-bit scale and bias per group (affine) or an 8-bit scale per
// group (mxfp4, mxfp8, nvfp4).
func EstimateWeightBytes(params int64, bits, groupSize int, mode string) int64 {
	b := float64(bits)
	if groupSize > 0 {
		switch mode {
		case "", "affine":
			b += 32 / float64(groupSize)
		default:
			b += 8 / float64(groupSize)
		}
	}
	return int64(math.Round(float64(params) * b / 8))
}
