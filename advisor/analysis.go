package advisor

import (
	"math"
	"slices"
	"strconv"

	"github.com/inferbench/inferbench/advisor/physics"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Factors of a configuration, as the exploratory analysis groups runs.
var Factors = []string{"model", "precision", "context", "batch"}

// Targets the analysis describes, by the names Fit and fit --format json use.
var Targets = []string{string(physics.Decode), string(physics.TTFT), string(physics.Memory)}

// Share is one factor's share of the variance of a target's logarithm: how
// much of the spread in, say, decode latency across runs goes with the
// factor, the others held fixed.
type Share struct {
	Target string  `json:"target"`
	Factor string  `json:"factor"` // one of Factors, or "residual"
	Share  float64 `json:"share"`  // a fraction of the total sum of squares
}

// VarianceShares splits the variance of each target's log (decode, TTFT,
// peak memory over successful runs) among the factors, by a main-effects
// analysis of variance: each factor's share is what the residual sum of
// squares grows by when the factor is left out of a model of all of them
// (its unique, type II share). The residual is what no main effect explains:
// interactions and noise. Shares need not sum to one when factors are
// confounded (an unbalanced sweep).
func VarianceShares(obs []Observation) []Share {
	var out []Share
	for _, t := range physics.Targets {
		var y []float64
		var levels [][]string
		for _, o := range obs {
			if v := value(t, o); o.Status == StatusOK && v > 0 {
				y = append(y, math.Log(v))
				levels = append(levels, factorLevels(o))
			}
		}
		if len(y) < 3 {
			continue
		}
		ym := mean(y)
		var total float64
		for _, v := range y {
			total += (v - ym) * (v - ym)
		}
		if total == 0 {
			continue
		}
		full := rssOf(y, levels, -1)
		for j, name := range Factors {
			out = append(out, Share{Target: string(t), Factor: name, Share: math.Max(rssOf(y, levels, j)-full, 0) / total})
		}
		out = append(out, Share{Target: string(t), Factor: "residual", Share: full / total})
	}
	return out
}

func factorLevels(o Observation) []string {
	return []string{o.Model, o.Precision, strconv.Itoa(o.Context), strconv.Itoa(max(o.Batch, 1))}
}

// rssOf is the residual sum of squares of y on one-hot main effects of the
// factors, less the one at index drop (none when drop < 0), by least squares.
func rssOf(y []float64, levels [][]string, drop int) float64 {
	var cols [][]float64
	for j := range Factors {
		if j == drop {
			continue
		}
		var seen []string
		for _, l := range levels {
			if !slices.Contains(seen, l[j]) {
				seen = append(seen, l[j])
			}
		}
		for _, lv := range seen[min(1, len(seen)):] { // the first level is the reference
			c := make([]float64, len(y))
			for i, l := range levels {
				if l[j] == lv {
					c[i] = 1
				}
			}
			cols = append(cols, c)
		}
	}
	x := mat.NewDense(len(y), len(cols)+1, nil)
	for i := range y {
		x.Set(i, 0, 1)
		for k, c := range cols {
			x.Set(i, k+1, c[i])
		}
	}
	var qr mat.QR
	qr.Factorize(x)
	var beta mat.Dense
	if err := qr.SolveTo(&beta, false, mat.NewDense(len(y), 1, y)); err != nil {
		return residualSS(y, nil)
	}
	var fitted mat.Dense
	fitted.Mul(x, &beta)
	return residualSS(y, fitted.RawMatrix().Data)
}

func residualSS(y, fitted []float64) float64 {
	var s float64
	m := mean(y)
	for i, v := range y {
		f := m
		if fitted != nil {
			f = fitted[i]
		}
		s += (v - f) * (v - f)
	}
	return s
}

// Exponent is a scaling law measured within groups of runs that differ in
// one factor alone: target ∝ factor^Exponent, with its 95% interval.
type Exponent struct {
	Target   string  `json:"target"`
	Factor   string  `json:"factor"` // context or batch
	Exponent float64 `json:"exponent"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
	N        int     `json:"n"`      // runs
	Groups   int     `json:"groups"` // configurations of the other factors
}

// ScalingExponents estimates, for each target, how it grows with context
// and with batch: the slope of log(target) on log(factor) within groups
// that hold every other factor fixed (a fixed-effects regression), so that
// differences between models do not masquerade as scaling. Groups of a
// single run say nothing of a slope and are left out.
func ScalingExponents(obs []Observation) []Exponent {
	var out []Exponent
	for _, t := range physics.Targets {
		for _, factor := range []string{"context", "batch"} {
			groups := map[string][][2]float64{}
			for _, o := range obs {
				v := value(t, o)
				if o.Status != StatusOK || v <= 0 || o.Context <= 0 {
					continue
				}
				x, key := float64(o.Context), physics.ConfigKey(o.Model, o.Precision, 0, o.Generate, max(o.Batch, 1), 0)
				if factor == "batch" {
					x, key = float64(max(o.Batch, 1)), physics.ConfigKey(o.Model, o.Precision, o.Context, o.Generate, 0, 0)
				}
				groups[key] = append(groups[key], [2]float64{math.Log(x), math.Log(v)})
			}
			var sxx, sxy float64
			var n, g int
			var resid [][2]float64
			for _, pts := range groups {
				var mx, my float64
				for _, p := range pts {
					mx, my = mx+p[0], my+p[1]
				}
				mx, my = mx/float64(len(pts)), my/float64(len(pts))
				var gx float64
				for _, p := range pts {
					gx += (p[0] - mx) * (p[0] - mx)
				}
				if len(pts) < 2 || gx == 0 {
					continue
				}
				g++
				n += len(pts)
				for _, p := range pts {
					sxx += (p[0] - mx) * (p[0] - mx)
					sxy += (p[0] - mx) * (p[1] - my)
					resid = append(resid, [2]float64{p[0] - mx, p[1] - my})
				}
			}
			df := n - g - 1
			if sxx == 0 || df < 1 {
				continue
			}
			b := sxy / sxx
			var rss float64
			for _, r := range resid {
				rss += (r[1] - b*r[0]) * (r[1] - b*r[0])
			}
			se := math.Sqrt(rss / float64(df) / sxx)
			h := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(0.975) * se
			out = append(out, Exponent{Target: string(t), Factor: factor, Exponent: b, Low: b - h, High: b + h, N: n, Groups: g})
		}
	}
	return out
}

// CorrelationVariables are the quantities Correlations relates, all but the
// layer count in log space, where the physics is a product of powers.
var CorrelationVariables = []string{"log_params", "log_weight_bytes", "layers", "log_context", "log_batch",
	"log_decode_ms", "log_ttft_ms", "log_peak_memory"}

// Correlations returns the Pearson correlation of every pair of
// CorrelationVariables over successful runs that measured all three
// targets; NaN where a variable does not vary.
func Correlations(obs []Observation) [][]float64 {
	cols := make([][]float64, len(CorrelationVariables))
	for _, o := range obs {
		if o.Status != StatusOK || o.DecodeMsPerToken <= 0 || o.TTFTMs <= 0 || o.PeakMemoryBytes <= 0 || o.Params <= 0 {
			continue
		}
		row := []float64{math.Log(float64(o.Params)), math.Log(float64(o.WeightBytes)), float64(o.Shape.Layers),
			math.Log(float64(max(o.Context, 1))), math.Log(float64(max(o.Batch, 1))),
			math.Log(o.DecodeMsPerToken), math.Log(o.TTFTMs), math.Log(float64(o.PeakMemoryBytes))}
		for j, v := range row {
			cols[j] = append(cols[j], v)
		}
	}
	out := make([][]float64, len(cols))
	for i := range cols {
		out[i] = make([]float64, len(cols))
		for j := range cols {
			out[i][j] = math.NaN()
			if len(cols[i]) > 2 && stat.Variance(cols[i], nil) > 0 && stat.Variance(cols[j], nil) > 0 {
				out[i][j] = stat.Correlation(cols[i], cols[j], nil)
			}
		}
	}
	return out
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
