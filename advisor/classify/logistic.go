package classify

import (
	"errors"
	"math"

	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
	"gonum.org/v1/gonum/optimize"
)

// Logistic is an L2-regularized logistic regression on standardized
// features, followed by Platt scaling: p = σ(A·s + B) with s the raw score.
// The scaling is fitted on out-of-fold scores, so the probabilities it gives
// are calibrated on runs the regression did not see.
type Logistic struct {
	Design  regress.Design `json:"design"`
	Weights []float64      `json:"weights"`
	Bias    float64        `json:"bias"`
	Lambda  float64        `json:"lambda"`
	PlattA  float64        `json:"platt_a"`
	PlattB  float64        `json:"platt_b"`
}

// logisticLambdas are the penalties inner cross-validation chooses among.
var logisticLambdas = []float64{0.01, 0.1, 1, 10}

// fitLogistic minimizes Σ log-loss(targets, σ(b + w·z)) + λ/2·‖w‖² with
// L-BFGS. Targets may be soft (between 0 and 1), as Platt scaling needs.
func fitLogistic(z [][]float64, targets []float64, lambda float64) (w []float64, b float64, err error) {
	if len(z) == 0 {
		return nil, 0, errors.New("no rows to fit")
	}
	p := len(z[0])
	f := func(x []float64) float64 {
		var s float64
		for i, row := range z {
			v := x[p]
			for j, zj := range row {
				v += x[j] * zj
			}
			// log(1+e^v) − t·v, computed without overflow.
			s += math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) - targets[i]*v
		}
		for j := range p {
			s += lambda / 2 * x[j] * x[j]
		}
		return s
	}
	grad := func(g, x []float64) {
		for j := range g {
			g[j] = 0
		}
		for i, row := range z {
			v := x[p]
			for j, zj := range row {
				v += x[j] * zj
			}
			r := sigmoid(v) - targets[i]
			for j, zj := range row {
				g[j] += r * zj
			}
			g[p] += r
		}
		for j := range p {
			g[j] += lambda * x[j]
		}
	}
	x0 := make([]float64, p+1)
	res, err := optimize.Minimize(optimize.Problem{Func: f, Grad: grad}, x0,
		&optimize.Settings{GradientThreshold: 1e-8, MajorIterations: 1000}, &optimize.LBFGS{})
	// A line search that can no longer improve has still found the optimum
	// to working precision; only a missing or non-finite answer is an error.
	if res == nil {
		return nil, 0, err
	}
	for _, v := range res.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, errors.New("the classifier did not converge")
		}
	}
	return res.X[:p], res.X[p], nil
}

func (l *Logistic) score(p physics.Quantities) float64 {
	z := l.Design.Row(p)
	s := l.Bias
	for j, w := range l.Weights {
		s += w * z[j]
	}
	return s
}

func (l *Logistic) prob(p physics.Quantities) float64 {
	return sigmoid(l.PlattA*l.score(p) + l.PlattB)
}

// trainLogistic fits the classifier with its penalty chosen by inner
// cross-validation (out-of-fold log loss) and Platt scaling fitted on the
// chosen penalty's out-of-fold scores.
func trainLogistic(rows []physics.Quantities, labels []bool, keys []string, opt regress.Options) (*Logistic, error) {
	d, z, err := regress.NewDesign(physics.FeatureNames(physics.PrecisionsOf(rows), physics.Decode, true), rows)
	if err != nil {
		return nil, err
	}
	t := make([]float64, len(labels))
	for i, y := range labels {
		if y {
			t[i] = 1
		}
	}
	l := &Logistic{Design: d, Lambda: 1, PlattA: 1}
	splits := regress.KFold(keys, labels, opt.Folds, opt.Seed+2)
	var oof []float64
	if len(splits) >= 2 {
		bestLoss := math.Inf(1)
		for _, lambda := range logisticLambdas {
			scores, err := regress.OutOfFold(len(z), splits, func(train, test []int) ([]float64, error) {
				w, b, err := fitLogistic(regress.Pick(z, train), regress.Pick(t, train), lambda)
				if err != nil {
					return nil, err
				}
				out := make([]float64, len(test))
				for k, i := range test {
					out[k] = b + dot(w, z[i])
				}
				return out, nil
			})
			if err != nil {
				continue
			}
			var loss float64
			for i, s := range scores {
				q := sigmoid(s)
				if labels[i] {
					q = 1 - q
				}
				loss -= math.Log(math.Max(1-q, 1e-12))
			}
			if loss < bestLoss {
				bestLoss, l.Lambda, oof = loss, lambda, scores
			}
		}
	}
	if l.Weights, l.Bias, err = fitLogistic(z, t, l.Lambda); err != nil {
		return nil, err
	}
	if oof != nil {
		l.PlattA, l.PlattB, err = platt(oof, labels)
		if err != nil {
			return nil, err
		}
	}
	return l, nil
}

// platt fits σ(a·s + b) to labels with Platt's smoothed targets, which keep
// the fit finite when the scores separate the classes perfectly.
func platt(scores []float64, labels []bool) (a, b float64, err error) {
	var pos, neg float64
	for _, y := range labels {
		if y {
			pos++
		} else {
			neg++
		}
	}
	z := make([][]float64, len(scores))
	t := make([]float64, len(scores))
	for i, s := range scores {
		z[i] = []float64{s}
		t[i] = 1 / (neg + 2)
		if labels[i] {
			t[i] = (pos + 1) / (pos + 2)
		}
	}
	w, b, err := fitLogistic(z, t, 0)
	if err != nil {
		return 0, 0, err
	}
	return w[0], b, nil
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
