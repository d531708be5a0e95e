package advisor

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

// dispatchTerms are the target's dispatch-model terms for the precisions the
// model was trained on, with their names.
func (t target) dispatchTerms(p physics, precisions []string) termSet {
	var ts termSet
	w := precisionWeights(precisions, p.precision)
	extraRows := p.batch - 1
	switch t {
	case targetDecode:
		ts.perPrecision(termLayers, precisions, w, p.layers)
		ts.perPrecision(termRowFlops, precisions, w, extraRows*2*p.params/1e9)
		ts.add(termLayerRows, p.layers*extraRows)
		ts.add(termKVRead, p.perBandwidth(p.decodeBytes-p.weightBytes))
		ts.add(termAttention, p.layers*(p.context+p.generate/2)*p.batch/1e5)
		ts.add(termLibraryAttention, p.layers*p.longKeyShare)
		ts.add(termLibraryAttentionRows, p.layers*p.longKeyShare*p.batch)
		ts.add(termBiases, p.layers*p.biasedLinears)
		ts.add(termWeights, p.perBandwidth(p.weightBytes))
	case targetTTFT:
		ts.perPrecision(termLayers, precisions, w, p.layers)
		ts.perPrecision(termFlops, precisions, w, p.prefillFlops/1e12)
		ts.perPrecision(termAttentionFlops, precisions, w, p.attnFlops/1e12)
		ts.add(termBiases, p.layers*p.biasedLinears)
		ts.add(termWeights, p.perBandwidth(p.weightBytes))
	}
	return ts
}
