package validate

import (
	"math"

	"github.com/inferbench/inferbench/advisor/regress"
)

// MAPE is the mean absolute percentage error, as a fraction (0.1 is 10%).
func MAPE(actual, predicted []float64) float64 {
	var s float64
	for i, a := range actual {
		s += math.Abs(predicted[i]-a) / math.Abs(a)
	}
	return s / float64(len(actual))
}

// R2 is the coefficient of determination: 1 less the residual sum of squares
// over the total. It is NaN when the actual values do not vary.
func R2(actual, predicted []float64) float64 {
	var m float64
	for _, a := range actual {
		m += a
	}
	m /= float64(len(actual))
	var res, tot float64
	for i, a := range actual {
		res += (a - predicted[i]) * (a - predicted[i])
		tot += (a - m) * (a - m)
	}
	if tot == 0 {
		return math.NaN()
	}
	return 1 - res/tot
}

// Coverage is the share of actual values inside their estimate's interval at
// the level.
func Coverage(actual []float64, est []regress.Estimate, level float64) float64 {
	in := 0
	for i, e := range est {
		lo, hi := e.IntervalAt(level)
		if lo <= actual[i] && actual[i] <= hi {
			in++
		}
	}
	return float64(in) / float64(len(est))
}

// Num is nil for a value that could not be measured, so that JSON never
// meets a NaN.
func Num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
