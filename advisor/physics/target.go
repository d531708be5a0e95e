package physics

import "math"

// Target is one quantity the advisor predicts.
type Target string

// The targets, by the names Fit and fit --format json use.
const (
	Decode Target = "decode" // ms per decode step
	TTFT   Target = "ttft"   // ms to the first token
	Memory Target = "memory" // peak bytes
)

// Targets lists every target, in the order the advisor reports them.
var Targets = []Target{Decode, TTFT, Memory}

// Describe names the target in words.
func (t Target) Describe() string {
	switch t {
	case Decode:
		return "decode ms/token"
	case TTFT:
		return "time to first token"
	default:
		return "peak memory"
	}
}

// RoofTerms are the physical terms the target is, ideally, a sum of. The
// roofline model scales each by one fitted constant: decode is memory-bound
// (bytes read per step over bandwidth); the first token needs the weights
// read once and the prompt's FLOPs done; memory holds the weights, the KV
// cache and the prompt's logits.
func (t Target) RoofTerms(p Quantities) []float64 {
	switch t {
	case Decode:
		return []float64{p.PerBandwidth(p.DecodeBytes)}
	case TTFT:
		return []float64{p.PerBandwidth(p.WeightBytes), p.PrefillFlops / 1e9}
	default:
		return []float64{p.WeightBytes + p.KVBytes + p.LogitsBytes}
	}
}

// LinearTerms are the byte terms of the linear memory model, each allowed its
// own non-negative coefficient.
func (t Target) LinearTerms(p Quantities) []float64 {
	return []float64{p.WeightBytes, p.KVBytes, p.LogitsBytes, p.ActBytes, p.ScoreBytes}
}

// Offset is the log of the target's leading physical term. A regression may
// fit around it, so that shrinkage pulls toward the physics rather than
// toward a constant, which is what carries a fit to a model size it has not
// seen.
func (t Target) Offset(p Quantities) float64 {
	switch t {
	case Decode:
		return math.Log(p.PerBandwidth(p.DecodeBytes))
	case TTFT:
		return LogPos(p.PrefillFlops)
	default:
		return LogPos(p.WeightBytes + p.KVBytes + p.LogitsBytes)
	}
}

// SizeFeature is the feature whose slope may differ by precision.
func (t Target) SizeFeature() string {
	switch t {
	case Decode:
		return "log_decode_bytes"
	case TTFT:
		return "log_prefill_flops"
	default:
		return "log_peak_bytes"
	}
}
