package physics

// The dispatch kind models a step where launching kernels, not reading
// bytes, is what costs: small and mid-sized models on a GPU. Every term is a
// count of something the step does, with its own non-negative rate learned
// from this machine:
//
//	decode ≈ c + Σ_precision (a_p·layers + f_p·(batch−1)·FLOPs per row)
//	           + r·layers·(batch−1) + k·KV bytes/bandwidth + s·layers·context·batch
//	           + q·layers·(steps at ≥ 256 keys) + q_b·that·batch
//	           + g·layers·biased linears + w·weight bytes/bandwidth
//	TTFT   ≈ c + Σ_precision (a_p·layers + f_p·prompt FLOPs + s_p·attention FLOPs)
//	           + g·layers·biased linears + w·weight bytes/bandwidth
//
// a_p is a layer's kernel launches at the precision (quantized layers
// dequantize, fp32 ones cast); f_p the extra work each further sequence of a
// batch adds (a quantized matrix is dequantized once per row); r the wider
// per-layer kernels of a batch; k and s the KV cache read at its mean
// length and the attention over it; q the library attention call that
// replaces MLX's own kernel from 256 cached keys in fp16 and bf16 on CUDA
// (the step from context 128 to 512 on an H200, flat beyond); g one kernel
// per bias added; w the weights read once per step. Unlike the overhead kind
// the weights share one bandwidth: a per-precision one has too little to
// pin it down where dispatch dominates, and an unmeasured model's bytes then
// extrapolate wildly. Rates are fitted for the least mean absolute relative
// error, since runs that step between two levels make the errors
// heavy-tailed.

// DispatchTerms are the target's dispatch-model terms for the precisions the
// model was trained on, with their names.
func (t Target) DispatchTerms(p Quantities, precisions []string) TermSet {
	var ts TermSet
	w := PrecisionWeights(precisions, p.Precision)
	extraRows := p.Batch - 1
	switch t {
	case Decode:
		ts.perPrecision(TermLayers, precisions, w, p.Layers)
		ts.perPrecision(TermRowFlops, precisions, w, extraRows*2*p.Params/1e9)
		ts.add(TermLayerRows, p.Layers*extraRows)
		ts.add(TermKVRead, p.PerBandwidth(p.DecodeBytes-p.WeightBytes))
		ts.add(TermAttention, p.Layers*(p.Context+p.Generate/2)*p.Batch/1e5)
		ts.add(TermLibraryAttention, p.Layers*p.LongKeyShare)
		ts.add(TermLibraryAttentionRows, p.Layers*p.LongKeyShare*p.Batch)
		ts.add(TermBiases, p.Layers*p.BiasedLinears)
		ts.add(TermWeights, p.PerBandwidth(p.WeightBytes))
	case TTFT:
		ts.perPrecision(TermLayers, precisions, w, p.Layers)
		ts.perPrecision(TermFlops, precisions, w, p.PrefillFlops/1e12)
		ts.perPrecision(TermAttentionFlops, precisions, w, p.AttnFlops/1e12)
		ts.add(TermBiases, p.Layers*p.BiasedLinears)
		ts.add(TermWeights, p.PerBandwidth(p.WeightBytes))
	}
	return ts
}
