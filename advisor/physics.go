package advisor

import (
	"math"
	"strings"
)

// physics holds the quantities that inference time and memory follow, derived
// from a configuration. Features and physical models are both built from it.
type physics struct {
	precision string

	params, weightBytes, bitsPerWeight float64
	context, generate, batch           float64
	layers                             float64

	kvBytes       float64 // KV cache at the end of generation, per the whole batch
	decodeBytes   float64 // bytes read per decode step: weights plus the mean KV cache
	flopsPerToken float64
	prefillFlops  float64
	logitsBytes   float64 // fp32 logits of the whole prompt
	actBytes      float64 // the widest prefill activation (the MLP's)
	scoreBytes    float64 // attention scores of the prompt, when not fused
	hiddenBytes   float64 // one hidden state per prompt token per layer: what prefill keeps alive
	mlpBytes      float64 // the MLP's intermediates per prompt token per layer: two for GPT-2's, three for a gated one
	attnFlops     float64 // prefill attention: scores and their weighted sum, every layer and head

	biasedLinears float64 // linear maps per layer that add a bias, each one more kernel
	// longKeyShare is the share of decode steps whose attention reads at
	// least libraryAttentionKeys keys in half precision (see dispatch.go).
	longKeyShare float64

	bandwidth float64 // GB/s, 0 when unknown
}

// elementBytes is the size of an activation and KV-cache element: 4 for
// fp32 models, 2 for half-precision and quantized ones (their dtype is fp16).
func elementBytes(precision string, bitsPerWeight float64) float64 {
	p := strings.ToLower(precision)
	if p == "fp32" || p == "float32" || (p == "" && bitsPerWeight > 24) {
		return 4
	}
	return 2
}

func derive(q Query) physics {
	p := physics{
		precision:   q.Precision,
		params:      float64(q.Params),
		weightBytes: float64(q.WeightBytes),
		context:     float64(max(q.Context, 1)),
		generate:    float64(max(q.Generate, 1)),
		batch:       float64(max(q.Batch, 1)),
		bandwidth:   q.BandwidthGBs,
	}
	s := q.Shape
	p.layers = float64(max(s.Layers, 1))
	if p.params <= 0 {
		p.params = float64(EstimateParams(s))
	}
	if p.params > 0 {
		p.bitsPerWeight = p.weightBytes * 8 / p.params
	}
	elem := elementBytes(q.Precision, p.bitsPerWeight)
	perToken := 2 * float64(s.Layers) * float64(s.KVHeads) * float64(s.HeadDim) * elem // K and V
	p.kvBytes = perToken * (p.context + p.generate) * p.batch
	// A decode step reads every weight once and the cache as long as it is at
	// that step: on average the prompt plus half the generated tokens.
	p.decodeBytes = p.weightBytes + perToken*(p.context+p.generate/2)*p.batch
	p.flopsPerToken = 2*p.params + 2*float64(s.Layers)*p.context*float64(s.Hidden)
	p.prefillFlops = p.context * p.batch * p.flopsPerToken
	p.logitsBytes = p.batch * p.context * float64(s.Vocab) * 4
	p.actBytes = p.batch * p.context * float64(max(s.Intermediate, s.Hidden)) * elem
	p.scoreBytes = p.batch * float64(s.Heads) * p.context * p.context * elem
	p.hiddenBytes = p.layers * float64(s.Hidden) * p.batch * p.context * elem
	mats := 2.0
	if s.GatedMLP {
		mats = 3
	}
	p.mlpBytes = p.layers * mats * float64(s.Intermediate) * p.batch * p.context * elem
	p.attnFlops = 2 * p.layers * p.batch * float64(s.Heads*s.HeadDim) * p.context * p.context
	p.biasedLinears = float64(s.BiasedLinears)
	if elem == 2 {
		p.longKeyShare = longKeyShare(p.context, p.generate)
	}
	return p
}

// libraryAttentionKeys is the number of cached keys from which MLX's CUDA
// backend hands a half-precision decode step's attention to cuDNN rather
// than its own vector kernel: mlx-lm's KV-cache step. At these lengths the
// library call costs more per layer than the kernel it replaces.
const libraryAttentionKeys = 256

// longKeyShare is the share of the generated tokens whose step attends to at
// least libraryAttentionKeys keys: the prompt plus the tokens before it.
func longKeyShare(context, generate float64) float64 {
	if generate <= 0 {
		return 0
	}
	short := math.Min(math.Max(libraryAttentionKeys-context, 0), generate)
	return (generate - short) / generate
}

// perBandwidth divides by the bandwidth in GB/s and returns milliseconds, or
// returns bytes/1e6 when the bandwidth is unknown, leaving the fitted scale to
// find the effective bandwidth.
func (p physics) perBandwidth(bytes float64) float64 {
	bw := p.bandwidth
	if bw <= 0 {
		bw = 1
	}
	return bytes / (bw * 1e6)
}

func logPos(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return math.Log(x)
}
