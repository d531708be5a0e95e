package physics

import (
	"fmt"
	"math"
	"slices"
)

// baseFeatures are the numeric features every linear model starts from, all
// in log space where the physics is a product of powers.
var baseFeatures = []string{
	"log_params", "log_bits_per_weight", "log_weight_bytes", "log_decode_bytes", "log_kv_bytes",
	"log_flops_per_token", "log_prefill_flops", "log_peak_bytes",
	"log_context", "log_generate", "log_batch", "log_bandwidth", "bandwidth_unknown", "log_layers",
}

// PrecisionPrefix begins the name of a precision's one-hot feature
// ("precision=fp16") and of its interactions ("precision=fp16*log_decode_bytes").
const PrecisionPrefix = "precision="

// Feature is the value of a numeric feature; an unknown name is an error.
func Feature(p Quantities, name string) (float64, error) {
	switch name {
	case "log_params":
		return LogPos(p.Params), nil
	case "log_bits_per_weight":
		return LogPos(p.BitsPerWeight), nil
	case "log_weight_bytes":
		return LogPos(p.WeightBytes), nil
	case "log_decode_bytes":
		return LogPos(p.DecodeBytes), nil
	case "log_kv_bytes":
		return math.Log1p(p.KVBytes), nil
	case "log_flops_per_token":
		return LogPos(p.FlopsPerToken), nil
	case "log_prefill_flops":
		return LogPos(p.PrefillFlops), nil
	case "log_peak_bytes":
		return LogPos(p.WeightBytes + p.KVBytes + p.LogitsBytes + p.ActBytes), nil
	case "log_context":
		return math.Log(p.Context), nil
	case "log_generate":
		return math.Log(p.Generate), nil
	case "log_batch":
		return math.Log(p.Batch), nil
	case "log_bandwidth":
		return LogPos(p.Bandwidth), nil
	case "log_layers":
		// Each layer launches its own kernels: where dispatch rather than bytes bounds a
		// step (small models on a GPU), time follows the layer count.
		return math.Log(p.Layers), nil
	case "bandwidth_unknown":
		if p.Bandwidth > 0 {
			return 0, nil
		}
		return 1, nil
	}
	return 0, fmt.Errorf("unknown feature %q", name)
}

// FeatureNames lists the features for a target: the base ones, a one-hot
// precision when there is more than one, and with interact the precision's
// own slope on the target's size feature (the Linux CPU's half-precision and
// quantized kernels scale differently from fp32's BLAS).
func FeatureNames(precisions []string, t Target, interact bool) []string {
	names := slices.Clone(baseFeatures)
	if len(precisions) < 2 {
		return names
	}
	for _, pr := range precisions {
		names = append(names, PrecisionPrefix+pr)
	}
	if interact {
		for _, pr := range precisions {
			names = append(names, PrecisionPrefix+pr+"*"+t.SizeFeature())
		}
	}
	return names
}

// PrecisionsOf lists the distinct precisions, sorted.
func PrecisionsOf(rows []Quantities) []string {
	var ps []string
	for _, p := range rows {
		if !slices.Contains(ps, p.Precision) {
			ps = append(ps, p.Precision)
		}
	}
	slices.Sort(ps)
	return ps
}
