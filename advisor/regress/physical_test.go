package regress

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRobustFitResistsLevelShifts: when some runs step to a slower level, the least-squares
// rate follows them and the least-absolute one stays with the rest.
func TestRobustFitResistsLevelShifts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var terms [][]float64
	var y []float64
	for i := range 60 {
		x := 1 + float64(i%12)
		v := 0.15 * x * math.Exp(rng.NormFloat64()*0.03)
		if i%6 == 0 {
			v *= 1.8 // a run that shifted to the slow level
		}
		terms, y = append(terms, []float64{x}), append(y, v)
	}
	for _, c := range []struct {
		robust bool
		lo, hi float64
	}{
		{false, 0.154, 0.25},
		{true, 0.145, 0.153},
	} {
		s, err := nnlsRelative(terms, y, false, c.robust)
		if err != nil {
			t.Fatal(err)
		}
		if !(c.lo <= s[0] && s[0] <= c.hi) {
			t.Errorf("robust %v: rate %.4f, want within [%.3f, %.3f] (the law's is 0.15)", c.robust, s[0], c.lo, c.hi)
		}
	}
}
