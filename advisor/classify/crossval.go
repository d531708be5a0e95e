package classify

import (
	"fmt"
	"math"

	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
)

// CrossValidate measures the classifier of decode under thresholdMs on the
// runs rows measured as decodeMs: in each fold a decode model of decodeKind
// and the classifier are trained on the other folds alone, and the held-out
// runs' probabilities are scored. The class balance is always counted; the
// figures only when each class has MinClassRuns runs and there are folds.
func CrossValidate(rows []physics.Quantities, decodeMs []float64, keys []string, thresholdMs float64, decodeKind string, folds []regress.Split, opt regress.Options) (Metrics, error) {
	var m Metrics
	labels := Labels(decodeMs, thresholdMs)
	for _, y := range labels {
		if y {
			m.Positive++
		} else {
			m.Negative++
		}
	}
	if min(m.Positive, m.Negative) < MinClassRuns || folds == nil {
		return m, nil
	}
	probs, err := regress.OutOfFold(len(labels), folds, func(train, test []int) ([]float64, error) {
		r, y, k := regress.Pick(rows, train), regress.Pick(decodeMs, train), regress.Pick(keys, train)
		dm, err := regress.Train(physics.Decode, decodeKind, r, y, k, opt)
		if err != nil {
			return nil, err
		}
		c, err := Train(r, y, k, thresholdMs, opt)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(test))
		for j, i := range test {
			out[j] = c.Prob(rows[i], dm.Estimate(rows[i]))
		}
		return out, nil
	})
	if err != nil {
		return m, fmt.Errorf("cross-validate the interactive classifier: %w", err)
	}
	c := Confuse(labels, probs)
	m.AccuracyCV = num(c.Accuracy())
	m.PrecisionCV = num(c.Precision())
	m.RecallCV = num(c.Recall())
	m.F1CV = num(c.F1())
	m.AUCCV = num(AUC(labels, probs))
	m.BrierCV = num(Brier(labels, probs))
	return m, nil
}

// num is nil for a figure that could not be measured, so that JSON never
// meets a NaN.
func num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
