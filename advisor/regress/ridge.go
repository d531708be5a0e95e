package regress

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Ridge is a linear model in standardized features with an L2 penalty,
// fitted in closed form. The intercept is not penalized.
type Ridge struct {
	Coef      []float64 `json:"coef"`
	Intercept float64   `json:"intercept"`
	// Lambda multiplies the number of rows in the penalty, so that it means
	// the same whatever the amount of data: (Z'Z + nλI)β = Z'y.
	Lambda float64 `json:"lambda"`
	// Inverse is (Z'Z + nλI)⁻¹, row-major. It bounds the coefficients'
	// covariance (σ²·A·Z'Z·A) from above, which widens the prediction
	// interval a little to cover the bias the penalty introduces.
	Inverse []float64 `json:"inverse"`
	// ResidualVar is σ², the residual variance, and DF its degrees of
	// freedom: rows less the effective number of parameters.
	ResidualVar float64 `json:"residual_var"`
	DF          float64 `json:"df"`
	N           int     `json:"n"`
}

var errSingular = errors.New("the measurements do not determine the model (the features are collinear); measure more varied configurations")

// fitRidge fits y ≈ intercept + z·coef with penalty nλ.
func fitRidge(z [][]float64, y []float64, lambda float64) (*Ridge, error) {
	n := len(z)
	if n == 0 {
		return nil, errors.New("no rows to fit")
	}
	p := len(z[0])
	var ym float64
	for _, v := range y {
		ym += v
	}
	ym /= float64(n)
	r := &Ridge{Intercept: ym, Lambda: lambda, N: n, Coef: make([]float64, p), Inverse: []float64{}, DF: float64(n - 1)}
	if p > 0 {
		Z := mat.NewDense(n, p, nil)
		for i, row := range z {
			Z.SetRow(i, row)
		}
		yc := mat.NewVecDense(n, nil)
		for i, v := range y {
			yc.SetVec(i, v-ym)
		}
		var zz mat.SymDense
		zz.SymOuterK(1, Z.T())
		// A tiny floor keeps a λ of zero solvable when features coincide.
		pen := float64(n) * math.Max(lambda, 1e-10)
		for j := range p {
			zz.SetSym(j, j, zz.At(j, j)+pen)
		}
		var ch mat.Cholesky
		if !ch.Factorize(&zz) {
			return nil, errSingular
		}
		var zy, beta mat.VecDense
		zy.MulVec(Z.T(), yc)
		if err := ch.SolveVecTo(&beta, &zy); err != nil {
			return nil, errSingular
		}
		var inv mat.SymDense
		if err := ch.InverseTo(&inv); err != nil {
			return nil, errSingular
		}
		r.Inverse = make([]float64, p*p)
		for i := range p {
			r.Coef[i] = beta.AtVec(i)
			for j := range p {
				r.Inverse[i*p+j] = inv.At(i, j)
			}
		}
		// Effective parameters: tr(H) = tr(A·Z'Z) = p − nλ·tr(A).
		var trA float64
		for j := range p {
			trA += inv.At(j, j)
		}
		r.DF = float64(n) - 1 - (float64(p) - pen*trA)
	}
	var rss float64
	for i := range z {
		e := y[i] - r.predict(z[i])
		rss += e * e
	}
	if r.DF < 1 {
		r.DF = 1
	}
	r.ResidualVar = rss / r.DF
	return r, nil
}

func (r *Ridge) predict(z []float64) float64 {
	v := r.Intercept
	for j, c := range r.Coef {
		v += c * z[j]
	}
	return v
}

// predictiveSD is the standard deviation of a new observation at z: the
// residual noise plus the uncertainty of the intercept and coefficients.
func (r *Ridge) predictiveSD(z []float64) float64 {
	p := len(r.Coef)
	var q float64
	for i := range p {
		for j := range p {
			q += z[i] * r.Inverse[i*p+j] * z[j]
		}
	}
	return math.Sqrt(r.ResidualVar * (1 + 1/float64(r.N) + q))
}
