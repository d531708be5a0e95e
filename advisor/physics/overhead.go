package physics

import "slices"

// The overhead kind models a step as the sum of what it physically costs,
// each cost with its own non-negative rate learned from this machine:
//
//	decode ≈ c + Σ_precision (a_p·layers + b_p·weight bytes/bandwidth + f_p·batch FLOPs) + k·KV bytes/bandwidth
//	TTFT   ≈ c + Σ_precision (a_p·layers + b_p·weight bytes/bandwidth + f_p·prompt FLOPs)
//	memory ≈ c + Σ_precision (w_p·weights + k_p·KV cache + h_p·hidden states + m_p·MLP intermediates
//	                          + a_p·MLP activation + s_p·attention scores) + l·logits
//
// The hidden states and MLP intermediates are counted for at most a window of
// layers the memory model learns (WithLiveLayers), and memory is fitted for
// the least absolute relative error.
//
// The per-layer term is the kernel launches and synchronisation every layer
// pays whatever its size, which is what bounds small models on a GPU; the
// byte terms are what bounds large ones. Each precision has its own rates,
// since dequantisation and the fp16 and bf16 kernels cost differently (on
// the Linux CPU, half precision takes scalar paths that are slower than
// fp32's BLAS). A precision the fit has not seen gets the average rates.

// MinPrecisionRuns is the fewest runs a precision needs for rates of its
// own; below it, it shares the average ones, so that a few runs cannot
// set rates that nothing else constrains.
const MinPrecisionRuns = 4

// OwnRates lists the precisions of rows with runs enough for rates of their own.
func OwnRates(rows []Quantities) []string {
	count := map[string]int{}
	for _, p := range rows {
		count[p.Precision]++
	}
	var out []string
	for _, pr := range PrecisionsOf(rows) {
		if count[pr] >= MinPrecisionRuns {
			out = append(out, pr)
		}
	}
	return out
}

// PrecisionWeights says how much of each known precision's rates apply: 1
// for the query's own, and an equal share of each when it is unknown. With
// no precision known, one set of rates serves all.
func PrecisionWeights(known []string, precision string) []float64 {
	if len(known) == 0 {
		return []float64{1}
	}
	w := make([]float64, len(known))
	if i := slices.Index(known, precision); i >= 0 {
		w[i] = 1
		return w
	}
	for i := range w {
		w[i] = 1 / float64(len(known))
	}
	return w
}

// OverheadTerms are the terms the target's overhead model sums, for the
// precisions the model was trained on.
func (t Target) OverheadTerms(p Quantities, precisions []string) TermSet {
	var ts TermSet
	w := PrecisionWeights(precisions, p.Precision)
	switch t {
	case Decode:
		ts.perPrecision(TermLayers, precisions, w, p.Layers)
		ts.perPrecision(TermWeights, precisions, w, p.PerBandwidth(p.WeightBytes))
		ts.perPrecision(TermFlops, precisions, w, p.Batch*p.FlopsPerToken/1e9)
		ts.add(TermKVRead, p.PerBandwidth(p.DecodeBytes-p.WeightBytes))
	case TTFT:
		ts.perPrecision(TermLayers, precisions, w, p.Layers)
		ts.perPrecision(TermWeights, precisions, w, p.PerBandwidth(p.WeightBytes))
		ts.perPrecision(TermFlops, precisions, w, p.PrefillFlops/1e9)
	default:
		// What the prompt keeps alive differs by precision: quantized layers hold their
		// dequantized or fp32 intermediates, the KV cache is laid out per dtype, and MLX's
		// CUDA backend holds more or less of a precision's weights and temporaries at the
		// peak (gpt2-xl at batch 8 holds 9.6 GB beyond its weights at int4 and context
		// 512, 7.2 GB at fp16). The logits are fp32 whatever the precision.
		ts.perPrecision(TermKVCache, precisions, w, p.KVBytes)
		ts.perPrecision(TermHidden, precisions, w, p.HiddenBytes)
		ts.perPrecision(TermMLP, precisions, w, p.MLPBytes)
		ts.perPrecision(TermWeights, precisions, w, p.WeightBytes)
		ts.add(TermLogits, p.LogitsBytes)
		ts.perPrecision(TermActivation, precisions, w, p.ActBytes)
		ts.perPrecision(TermScores, precisions, w, p.ScoreBytes)
	}
	return ts
}

// WithLiveLayers is p with the prompt's per-layer temporaries (HiddenBytes,
// MLPBytes) counted for at most window layers; a window of 0 counts every
// layer. MLX frees a buffer only once the GPU work that read it has run, and
// the host queues work until more than a fixed number of command buffers are
// in flight (MAX_ACTIVE_TASKS in mlx/transforms.cpp), so a deep model's
// prefill holds the temporaries of a window of layers rather than of all of
// them. How wide the window is depends on the backend and on how far the host
// runs ahead of the GPU; regress learns it per fit.
func (p Quantities) WithLiveLayers(window float64) Quantities {
	if window <= 0 || window >= p.Layers {
		return p
	}
	f := window / p.Layers
	p.HiddenBytes *= f
	p.MLPBytes *= f
	return p
}
