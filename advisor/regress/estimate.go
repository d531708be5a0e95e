package regress

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Level is the coverage of the prediction intervals Interval gives.
const Level = 0.95

// TQuantile is the two-sided critical value of Student's t for an interval
// of the given coverage with df degrees of freedom.
func TQuantile(df, coverage float64) float64 {
	if df < 1 {
		df = 1
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.5 + coverage/2)
}

// Estimate is a prediction in log space: the mean, the predictive standard
// deviation and the degrees of freedom behind it.
type Estimate struct{ Mu, SD, DF float64 }

// Value is the prediction itself, back from log space.
func (e Estimate) Value() float64 { return math.Exp(e.Mu) }

// Interval is the Level prediction interval.
func (e Estimate) Interval() (lo, hi float64) { return e.IntervalAt(Level) }

// IntervalAt is the prediction interval that should hold a new measurement
// with the given probability.
func (e Estimate) IntervalAt(coverage float64) (lo, hi float64) {
	h := TQuantile(e.DF, coverage) * e.SD
	return math.Exp(e.Mu - h), math.Exp(e.Mu + h)
}

// ProbBelow is the probability that the predicted quantity is below x.
func (e Estimate) ProbBelow(x float64) float64 {
	if e.SD <= 0 {
		if e.Mu < math.Log(x) {
			return 1
		}
		return 0
	}
	return distuv.StudentsT{Mu: e.Mu, Sigma: e.SD, Nu: math.Max(e.DF, 1)}.CDF(math.Log(x))
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
