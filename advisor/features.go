package advisor

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// baseFeatures are the numeric features every linear model starts from, all
// in log space where the physics is a product of powers.
var baseFeatures = []string{
	"log_params", "log_bits_per_weight", "log_weight_bytes", "log_decode_bytes", "log_kv_bytes",
	"log_flops_per_token", "log_prefill_flops", "log_peak_bytes",
	"log_context", "log_generate", "log_batch", "log_bandwidth", "bandwidth_unknown", "log_layers",
}

const precisionPrefix = "precision="

func numericFeature(p physics, name string) (float64, error) {
	switch name {
	case "log_params":
		return logPos(p.params), nil
	case "log_bits_per_weight":
		return logPos(p.bitsPerWeight), nil
	case "log_weight_bytes":
		return logPos(p.weightBytes), nil
	case "log_decode_bytes":
		return logPos(p.decodeBytes), nil
	case "log_kv_bytes":
		return math.Log1p(p.kvBytes), nil
	case "log_flops_per_token":
		return logPos(p.flopsPerToken), nil
	case "log_prefill_flops":
		return logPos(p.prefillFlops), nil
	case "log_peak_bytes":
		return logPos(p.weightBytes + p.kvBytes + p.logitsBytes + p.actBytes), nil
	case "log_context":
		return math.Log(p.context), nil
	case "log_generate":
		return math.Log(p.generate), nil
	case "log_batch":
		return math.Log(p.batch), nil
	case "log_bandwidth":
		return logPos(p.bandwidth), nil
	case "log_layers":
		// Each layer launches its own kernels: where dispatch rather than bytes bounds a
		// step (small models on a GPU), time follows the layer count.
		return math.Log(p.layers), nil
	case "bandwidth_unknown":
		if p.bandwidth > 0 {
			return 0, nil
		}
		return 1, nil
	}
	return 0, fmt.Errorf("unknown feature %q", name)
}

// featureNames lists the features for a target: the base ones, a one-hot
// precision when there is more than one, and with interact the precision's
// own slope on the target's size feature (the Linux CPU's half-precision and
// quantized kernels scale differently from fp32's BLAS).
func featureNames(precisions []string, t target, interact bool) []string {
	names := slices.Clone(baseFeatures)
	if len(precisions) < 2 {
		return names
	}
	for _, pr := range precisions {
		names = append(names, precisionPrefix+pr)
	}
	if interact {
		for _, pr := range precisions {
			names = append(names, precisionPrefix+pr+"*"+t.sizeFeature())
		}
	}
	return names
}

// Design turns physics into a standardized feature row. Standardizing lets
// one ridge penalty treat features on different scales alike.
type Design struct {
	Names []string  `json:"features"`
	Mean  []float64 `json:"mean"`
	Scale []float64 `json:"scale"`
}

// raw computes the unstandardized features. A precision the design has not
// seen gets each one-hot column's training mean: the average precision, as
// far as the data can tell.
func (d Design) raw(p physics, mean func(col string) float64) ([]float64, error) {
	seen := slices.Contains(d.Names, precisionPrefix+p.precision)
	x := make([]float64, len(d.Names))
	for j, name := range d.Names {
		if !strings.HasPrefix(name, precisionPrefix) {
			v, err := numericFeature(p, name)
			if err != nil {
				return nil, err
			}
			x[j] = v
			continue
		}
		pr, of, interaction := strings.Cut(strings.TrimPrefix(name, precisionPrefix), "*")
		e := 0.0
		switch {
		case !seen && mean != nil:
			e = mean(precisionPrefix + pr)
		case pr == p.precision:
			e = 1
		}
		if interaction {
			v, err := numericFeature(p, of)
			if err != nil {
				return nil, err
			}
			e *= v
		}
		x[j] = e
	}
	return x, nil
}

func (d Design) colMean(col string) float64 {
	if j := slices.Index(d.Names, col); j >= 0 {
		return d.Mean[j]
	}
	return 0
}

// row returns the standardized features of p.
func (d Design) row(p physics) []float64 {
	x, err := d.raw(p, d.colMean)
	if err != nil {
		// Names come from this package; an unknown one is a corrupt fit.
		panic(err)
	}
	for j := range x {
		x[j] = (x[j] - d.Mean[j]) / d.Scale[j]
	}
	return x
}

// newDesign standardizes the named features over rows, dropping those that
// do not vary (a constant bandwidth, a single batch size): they carry no
// information and would make the problem singular.
func newDesign(names []string, rows []physics) (Design, [][]float64, error) {
	all := Design{Names: names}
	raw := make([][]float64, len(rows))
	for i, p := range rows {
		x, err := all.raw(p, nil)
		if err != nil {
			return Design{}, nil, err
		}
		raw[i] = x
	}
	var d Design
	var keep []int
	n := float64(len(rows))
	for j, name := range names {
		var m, ss float64
		for _, x := range raw {
			m += x[j]
		}
		m /= n
		for _, x := range raw {
			ss += (x[j] - m) * (x[j] - m)
		}
		sd := math.Sqrt(ss / n)
		if sd < 1e-9*(1+math.Abs(m)) {
			continue
		}
		keep = append(keep, j)
		d.Names = append(d.Names, name)
		d.Mean = append(d.Mean, m)
		d.Scale = append(d.Scale, sd)
	}
	z := make([][]float64, len(rows))
	for i, x := range raw {
		z[i] = make([]float64, len(keep))
		for k, j := range keep {
			z[i][k] = (x[j] - d.Mean[k]) / d.Scale[k]
		}
	}
	return d, z, nil
}

// precisionsOf lists the distinct precisions, sorted.
func precisionsOf(rows []physics) []string {
	var ps []string
	for _, p := range rows {
		if !slices.Contains(ps, p.precision) {
			ps = append(ps, p.precision)
		}
	}
	slices.Sort(ps)
	return ps
}
