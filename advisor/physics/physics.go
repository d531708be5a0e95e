package physics

import (
	"math"
	"strings"
)

// Quantities are what inference time and memory follow, derived from a
// configuration: the features and the physical models' terms are both built
// from them. Bytes are bytes, FLOPs are FLOPs, all for the whole batch.
type Quantities struct {
	Precision string

	Params, WeightBytes, BitsPerWeight float64
	Context, Generate, Batch           float64
	Layers                             float64

	KVBytes       float64 // KV cache at the end of generation
	DecodeBytes   float64 // bytes read per decode step: weights plus the mean KV cache
	FlopsPerToken float64
	PrefillFlops  float64
	LogitsBytes   float64 // fp32 logits of the whole prompt
	ActBytes      float64 // the widest prefill activation (the MLP's)
	ScoreBytes    float64 // attention scores of the prompt, when not fused
	HiddenBytes   float64 // one hidden state per prompt token per layer: what prefill keeps alive
	MLPBytes      float64 // the MLP's intermediates per prompt token per layer: two for GPT-2's, three for a gated one
	AttnFlops     float64 // prefill attention: scores and their weighted sum, every layer and head

	BiasedLinears float64 // linear maps per layer that add a bias, each one more kernel
	// LongKeyShare is the share of decode steps whose attention reads at
	// least LibraryAttentionKeys keys in half precision (see dispatch.go).
	LongKeyShare float64

	Bandwidth float64 // GB/s, 0 when unknown
}

// ElementBytes is the size of an activation and KV-cache element: 4 for
// fp32 models, 2 for half-precision and quantized ones (their dtype is fp16).
func ElementBytes(precision string, bitsPerWeight float64) float64 {
	p := strings.ToLower(precision)
	if p == "fp32" || p == "float32" || (p == "" && bitsPerWeight > 24) {
		return 4
	}
	return 2
}

// Derive computes a configuration's quantities. A query without a
// parameter count gets the one its shape implies.
func Derive(q Query) Quantities {
	p := Quantities{
		Precision:   q.Precision,
		Params:      float64(q.Params),
		WeightBytes: float64(q.WeightBytes),
		Context:     float64(max(q.Context, 1)),
		Generate:    float64(max(q.Generate, 1)),
		Batch:       float64(max(q.Batch, 1)),
		Bandwidth:   q.BandwidthGBs,
	}
	s := q.Shape
	p.Layers = float64(max(s.Layers, 1))
	if p.Params <= 0 {
		p.Params = float64(EstimateParams(s))
	}
	if p.Params > 0 {
		p.BitsPerWeight = p.WeightBytes * 8 / p.Params
	}
	elem := ElementBytes(q.Precision, p.BitsPerWeight)
	perToken := 2 * float64(s.Layers) * float64(s.KVHeads) * float64(s.HeadDim) * elem // K and V
	p.KVBytes = perToken * (p.Context + p.Generate) * p.Batch
	// A decode step reads every weight once and the cache as long as it is at
	// that step: on average the prompt plus half the generated tokens.
	p.DecodeBytes = p.WeightBytes + perToken*(p.Context+p.Generate/2)*p.Batch
	p.FlopsPerToken = 2*p.Params + 2*float64(s.Layers)*p.Context*float64(s.Hidden)
	p.PrefillFlops = p.Context * p.Batch * p.FlopsPerToken
	p.LogitsBytes = p.Batch * p.Context * float64(s.Vocab) * 4
	p.ActBytes = p.Batch * p.Context * float64(max(s.Intermediate, s.Hidden)) * elem
	p.ScoreBytes = p.Batch * float64(s.Heads) * p.Context * p.Context * elem
	p.HiddenBytes = p.Layers * float64(s.Hidden) * p.Batch * p.Context * elem
	mats := 2.0
	if s.GatedMLP {
		mats = 3
	}
	p.MLPBytes = p.Layers * mats * float64(s.Intermediate) * p.Batch * p.Context * elem
	p.AttnFlops = 2 * p.Layers * p.Batch * float64(s.Heads*s.HeadDim) * p.Context * p.Context
	p.BiasedLinears = float64(s.BiasedLinears)
	if elem == 2 {
		p.LongKeyShare = longKeyShare(p.Context, p.Generate)
	}
	return p
}

// LibraryAttentionKeys is the number of cached keys from which MLX's CUDA
// backend hands a half-precision decode step's attention to cuDNN rather
// than its own vector kernel: mlx-lm's KV-cache step. At these lengths the
// library call costs more per layer than the kernel it replaces.
const LibraryAttentionKeys = 256

// longKeyShare is the share of the generated tokens whose step attends to at
// least LibraryAttentionKeys keys: the prompt plus the tokens before it.
func longKeyShare(context, generate float64) float64 {
	if generate <= 0 {
		return 0
	}
	short := math.Min(math.Max(LibraryAttentionKeys-context, 0), generate)
	return (generate - short) / generate
}

// PerBandwidth divides by the bandwidth in GB/s and returns milliseconds, or
// returns bytes/1e6 when the bandwidth is unknown, leaving the fitted scale to
// find the effective bandwidth.
func (p Quantities) PerBandwidth(bytes float64) float64 {
	bw := p.Bandwidth
	if bw <= 0 {
		bw = 1
	}
	return bytes / (bw * 1e6)
}

// LogPos is the logarithm of a positive x, and 0 for any other.
func LogPos(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return math.Log(x)
}
