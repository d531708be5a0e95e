package regress

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Physical is a sum of physical terms with fitted non-negative scales: the
// roofline and linear kinds. Runs whose machine bandwidth is unknown get
// their own scales, since there the scale is what finds the effective
// bandwidth.
type Physical struct {
	// Intercept says each list of scales begins with a constant term.
	Intercept              bool      `json:"intercept"`
	Scales                 []float64 `json:"scales,omitempty"`
	ScalesUnknownBandwidth []float64 `json:"scales_unknown_bandwidth,omitempty"`
	// SD is the standard deviation of log(measured/predicted) on the
	// training runs, with DF degrees of freedom.
	SD float64 `json:"sd"`
	DF float64 `json:"df"`
}

// fitPhysical fits the scales on each group of runs (bandwidth known or not);
// robust fits them for the least absolute relative error rather than the
// least squared one.
func fitPhysical(terms [][]float64, y []float64, bwKnown []bool, intercept, robust bool) (*Physical, error) {
	m := &Physical{Intercept: intercept}
	var used int
	for _, known := range []bool{true, false} {
		var tt [][]float64
		var yy []float64
		for i := range terms {
			if bwKnown[i] == known {
				tt, yy = append(tt, terms[i]), append(yy, y[i])
			}
		}
		if len(tt) == 0 {
			continue
		}
		var s []float64
		var err error
		if len(tt[0]) == 1 && !intercept {
			s = []float64{logScale(tt, yy)}
		} else {
			s, err = nnlsRelative(tt, yy, intercept, robust)
			if err != nil {
				return nil, err
			}
		}
		used += len(s)
		if known {
			m.Scales = s
		} else {
			m.ScalesUnknownBandwidth = s
		}
	}
	var ss float64
	for i := range terms {
		e := math.Log(y[i]) - math.Log(m.value(terms[i], bwKnown[i]))
		ss += e * e
	}
	m.DF = math.Max(float64(len(y)-used), 1)
	m.SD = math.Sqrt(ss / m.DF)
	return m, nil
}

// logScale fits y = s·t in log space: s is the geometric mean of y/t.
func logScale(t [][]float64, y []float64) float64 {
	var s float64
	for i := range t {
		s += math.Log(y[i]) - math.Log(t[i][0])
	}
	return math.Exp(s / float64(len(t)))
}

func (m *Physical) value(terms []float64, bwKnown bool) float64 {
	s := m.Scales
	if (!bwKnown && m.ScalesUnknownBandwidth != nil) || s == nil {
		s = m.ScalesUnknownBandwidth
	}
	v := 0.0
	if m.Intercept {
		v, s = s[0], s[1:]
	}
	for k, t := range terms {
		v += s[k] * t
	}
	// A prediction of zero would have no logarithm; a byte is the floor.
	return math.Max(v, 1e-9)
}

func (m *Physical) estimate(terms []float64, bwKnown bool, n int) Estimate {
	return Estimate{Mu: math.Log(m.value(terms, bwKnown)), SD: m.SD * math.Sqrt(1+1/float64(n)), DF: m.DF}
}

// robustIterations is how many times iteratively reweighted least squares
// reweights a robust fit: enough for its mean absolute relative error to
// settle.
const robustIterations = 10

// nnlsRelative fits y ≈ [c0 +] Σ c_k·t_k with c ≥ 0, minimizing relative
// squared error, since runs span orders of magnitude, or with robust the
// mean absolute relative error (the MAPE), by reweighting each run by the
// inverse of its last relative error.
func nnlsRelative(t [][]float64, y []float64, intercept, robust bool) ([]float64, error) {
	n := len(t)
	p := len(t[0])
	if intercept {
		p++
	}
	a := make([][]float64, n)
	for i := range t {
		row := make([]float64, 0, p)
		if intercept {
			row = append(row, 1/y[i])
		}
		for _, v := range t[i] {
			row = append(row, v/y[i])
		}
		a[i] = row
	}
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	iterations := 1
	if robust {
		iterations += robustIterations
	}
	var c []float64
	for it := range iterations {
		var err error
		if c, err = nnlsWeighted(a, w); err != nil {
			return nil, err
		}
		if it == iterations-1 {
			break
		}
		for i, row := range a {
			w[i] = 1 / math.Max(math.Abs(dot(row, c)-1), 1e-3)
		}
	}
	return c, nil
}

// nnlsWeighted solves min Σ w_i·(a_i·c − 1)² with c ≥ 0. Coefficients that
// want to go negative are dropped one at a time: physics has no negative
// bytes.
func nnlsWeighted(a [][]float64, w []float64) ([]float64, error) {
	p := len(a[0])
	aw := make([][]float64, len(a))
	b := make([]float64, len(a))
	for i, row := range a {
		sw := math.Sqrt(w[i])
		aw[i] = make([]float64, p)
		for j, v := range row {
			aw[i][j] = v * sw
		}
		b[i] = sw
	}
	active := make([]int, p)
	for j := range active {
		active[j] = j
	}
	for len(active) > 0 {
		c, err := leastSquares(aw, b, active)
		if err != nil {
			return nil, err
		}
		worst := -1
		for k, v := range c {
			if v < 0 && (worst < 0 || v < c[worst]) {
				worst = k
			}
		}
		if worst < 0 {
			out := make([]float64, p)
			for k, j := range active {
				out[j] = c[k]
			}
			return out, nil
		}
		active = slices.Delete(active, worst, worst+1)
	}
	return nil, errors.New("no physical term explains the measurements")
}

// leastSquares solves min ‖A[:,cols]·c − b‖² with columns scaled to unit
// norm first, since bytes and offsets differ by nine orders of magnitude.
func leastSquares(a [][]float64, rhs []float64, cols []int) ([]float64, error) {
	n, p := len(a), len(cols)
	norm := make([]float64, p)
	for k, j := range cols {
		for i := range n {
			norm[k] += a[i][j] * a[i][j]
		}
		norm[k] = math.Sqrt(norm[k])
		if norm[k] == 0 {
			norm[k] = 1
		}
	}
	A := mat.NewDense(n, p, nil)
	b := mat.NewVecDense(n, nil)
	for i := range n {
		for k, j := range cols {
			A.Set(i, k, a[i][j]/norm[k])
		}
		b.SetVec(i, rhs[i])
	}
	var ata mat.SymDense
	ata.SymOuterK(1, A.T())
	for k := range p {
		ata.SetSym(k, k, ata.At(k, k)+1e-10)
	}
	var ch mat.Cholesky
	if !ch.Factorize(&ata) {
		return nil, errSingular
	}
	var atb, c mat.VecDense
	atb.MulVec(A.T(), b)
	if err := ch.SolveVecTo(&c, &atb); err != nil {
		return nil, errSingular
	}
	out := make([]float64, p)
	for k := range p {
		out[k] = c.AtVec(k) / norm[k]
	}
	return out, nil
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
