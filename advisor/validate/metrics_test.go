package validate

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
