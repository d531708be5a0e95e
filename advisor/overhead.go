package advisor

import "slices"

// The overhead kind models a step as the sum of what it physically costs,
// each cost with its own non-negative rate learned from this machine:
//
//	decode ≈ c + Σ_precision (a_p·layers + b_p·weight bytes/bandwidth + f_p·batch FLOPs) + k·KV bytes/bandwidth
//	TTFT   ≈ c + Σ_precision (a_p·layers + b_p·weight bytes/bandwidth + f_p·prompt FLOPs)
//	memory ≈ c + w·weights + Σ_precision (k_p·KV cache + h_p·hidden states) + logits, activation and score terms
//
// The per-layer term is the kernel launches and synchronisation every layer
// pays whatever its size, which is what bounds small models on a GPU; the
// byte terms are what bounds large ones. Each precision has its own rates,
// since dequantisation and the fp16 and bf16 kernels cost differently (on
// the Linux CPU, half precision takes scalar paths that are slower than
// fp32's BLAS). A precision the fit has not seen gets the average rates.

// minPrecisionRuns is the fewest runs a precision needs for rates of its
// own; below it, it shares the average ones, so that a few runs cannot
// set rates that nothing else constrains.
const minPrecisionRuns = 4

// ownRates lists the precisions of rows with runs enough for rates of their own.
func ownRates(rows []physics) []string {
	count := map[string]int{}
	for _, p := range rows {
		count[p.precision]++
	}
	var out []string
	for _, pr := range precisionsOf(rows) {
		if count[pr] >= minPrecisionRuns {
			out = append(out, pr)
		}
	}
	return out
}

// precisionWeights says how much of each known precision's rates apply: 1
// for the query's own, and an equal share of each when it is unknown. With
// no precision known, one set of rates serves all.
func precisionWeights(known []string, precision string) []float64 {
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

// overheadTerms are the terms the target's overhead model sums, for the
// precisions the model was trained on.
func (t target) overheadTerms(p physics, precisions []string) termSet {
	var ts termSet
	w := precisionWeights(precisions, p.precision)
	switch t {
	case targetDecode:
		ts.perPrecision(termLayers, precisions, w, p.layers)
		ts.perPrecision(termWeights, precisions, w, p.perBandwidth(p.weightBytes))
		ts.perPrecision(termFlops, precisions, w, p.batch*p.flopsPerToken/1e9)
		ts.add(termKVRead, p.perBandwidth(p.decodeBytes-p.weightBytes))
	case targetTTFT:
		ts.perPrecision(termLayers, precisions, w, p.layers)
		ts.perPrecision(termWeights, precisions, w, p.perBandwidth(p.weightBytes))
		ts.perPrecision(termFlops, precisions, w, p.prefillFlops/1e9)
	default:
		// What the prompt keeps alive differs by precision: quantized layers hold their
		// dequantized or fp32 intermediates, and the KV cache is laid out per dtype.
		ts.perPrecision(termKVCache, precisions, w, p.kvBytes)
		ts.perPrecision(termHidden, precisions, w, p.hiddenBytes)
		ts.perPrecision(termMLP, precisions, w, p.mlpBytes)
		ts.add(termWeights, p.weightBytes)
		ts.add(termLogits, p.logitsBytes)
		ts.add(termActivation, p.actBytes)
		ts.add(termScores, p.scoreBytes)
	}
	return ts
}

// Cost is what the overhead model learned of one precision's decode step.
type Cost struct {
	Precision string `json:"precision"`
	// PerLayerMs is the time each layer costs whatever its size: kernel
	// launches and synchronisation.
	PerLayerMs float64 `json:"per_layer_ms"`
	// BandwidthGBs is the rate at which the weights are read, as a share of
	// the nominal bandwidth where the machine's is known (Efficiency) and in
	// GB/s where it is not; 0 when the fit found no byte cost.
	BandwidthGBs float64 `json:"bandwidth_gbs,omitempty"`
	Efficiency   float64 `json:"bandwidth_efficiency,omitempty"`
}

// DecodeCosts reads the decode model's rates per precision, when it is the
// overhead or dispatch kind; nil otherwise. They say where this machine's
// time goes: a large per-layer cost means decode is bound by dispatch, not
// bytes.
func (f *Fit) DecodeCosts() []Cost {
	m := f.Decode
	if m == nil || (m.Kind != kindOverhead && m.Kind != kindDispatch) || m.Physical == nil {
		return nil
	}
	known := m.Physical.Scales != nil
	s := m.Physical.Scales
	if !known {
		s = m.Physical.ScalesUnknownBandwidth
	}
	ts := m.terms(physics{})
	if m.Physical.Intercept {
		s = s[min(1, len(s)):]
	}
	if len(s) != len(ts.names) {
		return nil
	}
	names := m.Precisions
	if len(names) == 0 {
		names = []string{""}
	}
	rate := func(name, pr string) float64 {
		for _, n := range []string{name + "@" + pr, name} {
			if i := ts.index(n); i >= 0 {
				return s[i]
			}
		}
		return 0
	}
	out := make([]Cost, len(names))
	for k, pr := range names {
		c := Cost{Precision: pr, PerLayerMs: rate(termLayers, pr)}
		if pr == "" {
			c.Precision = "all"
		}
		if b := rate(termWeights, pr); b > 0 {
			if known {
				c.Efficiency = 1 / b
			} else {
				c.BandwidthGBs = 1 / b
			}
		}
		out[k] = c
	}
	return out
}
