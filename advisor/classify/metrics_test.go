package classify

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 || (math.IsNaN(a) && math.IsNaN(b)) }

func TestClassificationMetrics(t *testing.T) {
	T, F := true, false
	for _, c := range []struct {
		name                   string
		labels                 []bool
		probs                  []float64
		acc, prec, rec, f1, au float64
	}{
		{
			// TP 2 (0.9, 0.6), FN 1 (0.4), FP 1 (0.7), TN 2 (0.2, 0.1).
			// AUC: positives 0.9, 0.6, 0.4 against negatives 0.7, 0.2, 0.1:
			// 0.9 beats 3, 0.6 beats 2, 0.4 beats 2: 7 of 9.
			"mixed", []bool{T, T, T, F, F, F}, []float64{0.9, 0.6, 0.4, 0.7, 0.2, 0.1},
			4.0 / 6, 2.0 / 3, 2.0 / 3, 2.0 / 3, 7.0 / 9,
		},
		{
			// A tie between a positive and a negative counts half.
			"tie", []bool{T, F}, []float64{0.5, 0.5}, 0.5, 0.5, 1, 2.0 / 3, 0.5,
		},
		{
			"no predicted positives", []bool{T, F, F}, []float64{0.3, 0.2, 0.1}, 2.0 / 3, math.NaN(), 0, math.NaN(), 1,
		},
		{
			"one class", []bool{F, F}, []float64{0.3, 0.6}, 0.5, 0, math.NaN(), math.NaN(), math.NaN(),
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := Confuse(c.labels, c.probs)
			for _, g := range []struct {
				name      string
				got, want float64
			}{
				{"accuracy", m.Accuracy(), c.acc}, {"precision", m.Precision(), c.prec},
				{"recall", m.Recall(), c.rec}, {"F1", m.F1(), c.f1}, {"AUC", AUC(c.labels, c.probs), c.au},
			} {
				if !near(g.got, g.want) {
					t.Errorf("%s = %v, want %v", g.name, g.got, g.want)
				}
			}
		})
	}
}

func TestBrier(t *testing.T) {
	if got, want := Brier([]bool{true, false}, []float64{0.8, 0.4}), (0.04+0.16)/2; !near(got, want) {
		t.Errorf("Brier = %v, want %v", got, want)
	}
}
