package advisor

import "math"

// target is one quantity the advisor predicts.
type target string

const (
	targetDecode target = "decode" // ms per decode step
	targetTTFT   target = "ttft"   // ms to the first token
	targetMemory target = "memory" // peak bytes
)

var targets = []target{targetDecode, targetTTFT, targetMemory}

func (t target) value(o Observation) float64 {
	switch t {
	case targetDecode:
		return o.DecodeMsPerToken
	case targetTTFT:
		return o.TTFTMs
	default:
		return float64(o.PeakMemoryBytes)
	}
}

// roofTerms are the physical terms the target is, ideally, a sum of. The
// roofline model scales each by one fitted constant: decode is memory-bound
// (bytes read per step over bandwidth); the first token needs the weights
// read once and the prompt's FLOPs done; memory holds the weights, the KV
// cache and the prompt's logits.
func (t target) roofTerms(p physics) []float64 {
	switch t {
	case targetDecode:
		return []float64{p.perBandwidth(p.decodeBytes)}
	case targetTTFT:
		return []float64{p.perBandwidth(p.weightBytes), p.prefillFlops / 1e9}
	default:
		return []float64{p.weightBytes + p.kvBytes + p.logitsBytes}
	}
}

// linearTerms are the byte terms of the linear memory model, each allowed its
// own non-negative coefficient.
func (t target) linearTerms(p physics) []float64 {
	return []float64{p.weightBytes, p.kvBytes, p.logitsBytes, p.actBytes, p.scoreBytes}
}

// offset is the log of the target's leading physical term. Ridge may fit
// around it, so shrinkage pulls toward physics rather than toward a constant,
// which is what carries a fit to a model size it has not seen.
func (t target) offset(p physics) float64 {
	switch t {
	case targetDecode:
		return math.Log(p.perBandwidth(p.decodeBytes))
	case targetTTFT:
		return logPos(p.prefillFlops)
	default:
		return logPos(p.weightBytes + p.kvBytes + p.logitsBytes)
	}
}

// sizeFeature is the feature whose slope may differ by precision.
func (t target) sizeFeature() string {
	switch t {
	case targetDecode:
		return "log_decode_bytes"
	case targetTTFT:
		return "log_prefill_flops"
	default:
		return "log_peak_bytes"
	}
}

// kinds lists the model kinds tried for the target, simplest first.
func (t target) kinds() []string {
	if t == targetMemory {
		return []string{kindBaseline, kindRoofline, kindLinear, kindOverhead, kindRidge}
	}
	return []string{kindBaseline, kindRoofline, kindOverhead, kindDispatch, kindRidge}
}
