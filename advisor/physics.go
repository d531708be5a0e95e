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
	return p
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
