package advisor

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// level is the coverage of the prediction intervals Predict gives.
const level = 0.95

// tQuantile is the two-sided critical value of Student's t for an interval
// of the given coverage with df degrees of freedom.
func tQuantile(df, coverage float64) float64 {
	if df < 1 {
		df = 1
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.5 + coverage/2)
}

// estimate is a prediction in log space: the mean, the predictive standard
// deviation and the degrees of freedom behind it.
type estimate struct{ mu, sd, df float64 }

func (e estimate) value() float64 { return math.Exp(e.mu) }

func (e estimate) interval() (lo, hi float64) { return e.intervalAt(level) }

// intervalAt is the prediction interval that should hold a new measurement
// with the given probability.
func (e estimate) intervalAt(coverage float64) (lo, hi float64) {
	h := tQuantile(e.df, coverage) * e.sd
	return math.Exp(e.mu - h), math.Exp(e.mu + h)
}

// probBelow is the probability that the predicted quantity is below x.
func (e estimate) probBelow(x float64) float64 {
	if e.sd <= 0 {
		if e.mu < math.Log(x) {
			return 1
		}
		return 0
	}
	return distuv.StudentsT{Mu: e.mu, Sigma: e.sd, Nu: math.Max(e.df, 1)}.CDF(math.Log(x))
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
