package regress

import (
	"math"
	"math/rand/v2"
	"testing"
)

// linearData draws x ~ N(0,1) and y = intercept + x·coef + N(0, sd²).
func linearData(rng *rand.Rand, n int, intercept float64, coef []float64, sd float64) ([][]float64, []float64) {
	x := make([][]float64, n)
	y := make([]float64, n)
	for i := range n {
		x[i] = make([]float64, len(coef))
		y[i] = intercept + rng.NormFloat64()*sd
		for j, c := range coef {
			x[i][j] = rng.NormFloat64()
			y[i] += c * x[i][j]
		}
	}
	return x, y
}

// centered subtracts the columns' means, as a Design does.
func centered(x [][]float64) ([][]float64, []float64) {
	m := make([]float64, len(x[0]))
	for _, row := range x {
		for j, v := range row {
			m[j] += v / float64(len(x))
		}
	}
	out := make([][]float64, len(x))
	for i, row := range x {
		out[i] = make([]float64, len(row))
		for j, v := range row {
			out[i][j] = v - m[j]
		}
	}
	return out, m
}

func TestRidgeRecoversCoefficients(t *testing.T) {
	for _, c := range []struct {
		name      string
		intercept float64
		coef      []float64
		sd        float64
		lambda    float64
	}{
		{"three features", 1, []float64{2, -3, 0.5}, 0.1, 1e-6},
		{"noisier, penalized", -4, []float64{0.7, 0, 1.5, -2}, 0.5, 1e-3},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			x, y := linearData(rng, 400, c.intercept, c.coef, c.sd)
			z, m := centered(x)
			r, err := fitRidge(z, y, c.lambda)
			if err != nil {
				t.Fatal(err)
			}
			// Coefficients within five standard errors (sd/√n per unit-variance feature).
			tol := 5 * c.sd / math.Sqrt(400)
			b0 := r.Intercept
			for j, want := range c.coef {
				if math.Abs(r.Coef[j]-want) > tol {
					t.Errorf("coef[%d] = %.3f, want %.3f ± %.3f", j, r.Coef[j], want, tol)
				}
				b0 -= r.Coef[j] * m[j]
			}
			if math.Abs(b0-c.intercept) > tol {
				t.Errorf("intercept = %.3f, want %.3f ± %.3f", b0, c.intercept, tol)
			}
			if s := math.Sqrt(r.ResidualVar); math.Abs(s-c.sd)/c.sd > 0.15 {
				t.Errorf("residual sd = %.3f, want about %.3f", s, c.sd)
			}
		})
	}
}

func TestRidgeShrinks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := linearData(rng, 100, 0, []float64{1, 1}, 0.3)
	z, _ := centered(x)
	var prev float64 = math.Inf(1)
	for _, lambda := range []float64{1e-6, 0.1, 1, 10} {
		r, err := fitRidge(z, y, lambda)
		if err != nil {
			t.Fatal(err)
		}
		norm := math.Hypot(r.Coef[0], r.Coef[1])
		if norm >= prev {
			t.Errorf("λ=%g: ‖β‖ = %.3f did not shrink from %.3f", lambda, norm, prev)
		}
		prev = norm
	}
}

func TestRidgePredictionIntervalCoverage(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		coef []float64
		sd   float64
	}{
		{"many runs", 200, []float64{2, -1, 0.5}, 0.2},
		{"few runs", 20, []float64{1, 3}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			var inside, total int
			// Repeat over training sets: with few runs the coverage of one
			// set varies with its residual variance.
			for rep := 0; rep < 50; rep++ {
				x, y := linearData(rng, c.n, 0.5, c.coef, c.sd)
				z, m := centered(x)
				r, err := fitRidge(z, y, 1e-6)
				if err != nil {
					t.Fatal(err)
				}
				hx, hy := linearData(rng, 100, 0.5, c.coef, c.sd)
				tq := TQuantile(r.DF, Level)
				for i := range hx {
					zi := make([]float64, len(hx[i]))
					for j := range zi {
						zi[j] = hx[i][j] - m[j]
					}
					mu, h := r.predict(zi), tq*r.predictiveSD(zi)
					if hy[i] >= mu-h && hy[i] <= mu+h {
						inside++
					}
					total++
				}
			}
			if cover := float64(inside) / float64(total); cover < 0.85 || cover > 0.99 {
				t.Errorf("95%% intervals cover %.1f%% of held-out points, want 85–99%%", 100*cover)
			}
		})
	}
}
