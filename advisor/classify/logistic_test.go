package classify

import (
	"math"
	"math/rand/v2"
	"testing"
)

// logisticData draws x ~ N(0,1) and labels with P(y) = σ(bias + x·w).
func logisticData(rng *rand.Rand, n int, bias float64, w []float64) ([][]float64, []bool, []float64) {
	x := make([][]float64, n)
	y := make([]bool, n)
	p := make([]float64, n)
	for i := range n {
		x[i] = make([]float64, len(w))
		s := bias
		for j := range w {
			x[i][j] = rng.NormFloat64()
			s += w[j] * x[i][j]
		}
		p[i] = sigmoid(s)
		y[i] = rng.Float64() < p[i]
	}
	return x, y, p
}

func targetsOf(y []bool) []float64 {
	t := make([]float64, len(y))
	for i, v := range y {
		if v {
			t[i] = 1
		}
	}
	return t
}

// calibrationGap is the largest difference, over bins of predicted
// probability holding at least minCount points, between the mean predicted
// probability and the observed rate.
func calibrationGap(probs []float64, labels []bool, bins, minCount int) float64 {
	sumP := make([]float64, bins)
	sumY := make([]float64, bins)
	count := make([]int, bins)
	for i, p := range probs {
		b := min(int(p*float64(bins)), bins-1)
		sumP[b] += p
		if labels[i] {
			sumY[b]++
		}
		count[b]++
	}
	var gap float64
	for b := range bins {
		if count[b] >= minCount {
			gap = math.Max(gap, math.Abs(sumP[b]-sumY[b])/float64(count[b]))
		}
	}
	return gap
}

func TestLogistic(t *testing.T) {
	for _, c := range []struct {
		name    string
		bias    float64
		w       []float64
		minAcc  float64 // on held-out data
		maxGap  float64 // calibration
		penalty float64
	}{
		{"nearly separable", 0.5, []float64{6, -4}, 0.9, 0.1, 0.1},
		{"noisy", -0.3, []float64{1, 0.5, -1}, 0.65, 0.1, 0.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			x, y, _ := logisticData(rng, 2000, c.bias, c.w)
			w, b, err := fitLogistic(x, targetsOf(y), c.penalty)
			if err != nil {
				t.Fatal(err)
			}
			hx, hy, _ := logisticData(rng, 4000, c.bias, c.w)
			probs := make([]float64, len(hx))
			for i := range hx {
				probs[i] = sigmoid(b + dot(w, hx[i]))
			}
			if acc := Confuse(hy, probs).Accuracy(); acc < c.minAcc {
				t.Errorf("held-out accuracy %.3f, want above %.2f", acc, c.minAcc)
			}
			if gap := calibrationGap(probs, hy, 5, 100); gap > c.maxGap {
				t.Errorf("calibration gap %.3f, want at most %.2f", gap, c.maxGap)
			}
		})
	}
}

func TestPlattCalibrates(t *testing.T) {
	// Scores three times too confident, as an under-regularized classifier
	// gives: raw probabilities are off, Platt scaling brings them back.
	rng := rand.New(rand.NewPCG(9, 10))
	score := func(n int) ([]float64, []bool) {
		x, y, _ := logisticData(rng, n, 0, []float64{1.5})
		s := make([]float64, n)
		for i := range x {
			s[i] = 3 * 1.5 * x[i][0]
		}
		return s, y
	}
	s, y := score(3000)
	a, b, err := platt(s, y)
	if err != nil {
		t.Fatal(err)
	}
	hs, hy := score(4000)
	raw := make([]float64, len(hs))
	cal := make([]float64, len(hs))
	for i, v := range hs {
		raw[i], cal[i] = sigmoid(v), sigmoid(a*v+b)
	}
	rawGap, calGap := calibrationGap(raw, hy, 5, 100), calibrationGap(cal, hy, 5, 100)
	if calGap > 0.06 || calGap >= rawGap {
		t.Errorf("calibration gap %.3f after Platt scaling (%.3f before), want below 0.06 and smaller", calGap, rawGap)
	}
	if math.Abs(a-1.0/3) > 0.1 {
		t.Errorf("Platt slope %.3f, want about 1/3", a)
	}
}
