package advisor

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 || (math.IsNaN(a) && math.IsNaN(b)) }

func TestRegressionMetrics(t *testing.T) {
	for _, c := range []struct {
		name           string
		actual, pred   []float64
		wantMAPE, want float64
	}{
		// |110-100|/100 = 0.1, |180-200|/200 = 0.1, |400-400| = 0: MAPE 0.2/3.
		// mean 700/3; SS_tot = 2·(400/3)² + (500/3)² ... computed by hand below.
		{"hand example", []float64{100, 200, 400}, []float64{110, 180, 400}, 0.2 / 3, 1 - 500.0/(100*100+200*200+400*400-700.0*700/3)},
		{"perfect", []float64{1, 2, 3}, []float64{1, 2, 3}, 0, 1},
		{"mean prediction", []float64{1, 2, 3}, []float64{2, 2, 2}, (1 + 0 + 1.0/3) / 3, 0},
		{"constant actual", []float64{5, 5}, []float64{4, 6}, 0.2, math.NaN()},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := MAPE(c.actual, c.pred); !near(got, c.wantMAPE) {
				t.Errorf("MAPE = %v, want %v", got, c.wantMAPE)
			}
			if got := R2(c.actual, c.pred); !near(got, c.want) {
				t.Errorf("R² = %v, want %v", got, c.want)
			}
		})
	}
}

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
