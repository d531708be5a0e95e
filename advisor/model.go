package advisor

import (
	"fmt"
	"math"
)

// Model kinds, per target.
const (
	kindBaseline = "baseline" // the geometric mean of the training runs: what any model must beat
	kindRoofline = "roofline" // physical terms, each scaled by one fitted constant
	kindLinear   = "linear"   // byte terms with non-negative coefficients and an offset (memory)
	kindOverhead = "overhead" // per-layer, byte and FLOP costs, per precision, non-negative (see overhead.go)
	kindDispatch = "dispatch" // kernel counts and their costs, for dispatch-bound GPUs (see dispatch.go)
	kindRidge    = "ridge"    // log-space ridge regression on the features
)

// Model predicts one target. Only the parts of its Kind are set.
type Model struct {
	Target string `json:"target"` // decode, ttft or memory
	Kind   string `json:"kind"`   // baseline, roofline, linear, overhead, dispatch or ridge
	N      int    `json:"n"`      // training runs

	// Spread widens the predictive standard deviation so that intervals
	// cover what held-out runs showed (see calibrate); 0 means 1.
	Spread float64 `json:"spread,omitempty"`
	// Precisions lays out the overhead and dispatch kinds' per-precision terms.
	Precisions []string `json:"precisions,omitempty"`

	Baseline *Baseline `json:"baseline,omitempty"`
	Physical *Physical `json:"physical,omitempty"` // roofline and linear
	Design   *Design   `json:"design,omitempty"`   // ridge
	Ridge    *Ridge    `json:"ridge,omitempty"`
	// Offset says the ridge fits log(y) less the log of the target's
	// leading physical term, rather than log(y) itself.
	Offset bool `json:"offset,omitempty"`
}

// ridgeLambdas are the penalties inner cross-validation chooses among.
var ridgeLambdas = []float64{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1}

// trainModel fits one kind of model for a target.
func trainModel(t target, kind string, rows []physics, y []float64, keys []string, opt Options) (*Model, error) {
	m := &Model{Target: string(t), Kind: kind, N: len(rows)}
	switch kind {
	case kindBaseline:
		m.Baseline = fitBaseline(y)
	case kindRoofline, kindLinear, kindOverhead, kindDispatch:
		if kind == kindOverhead || kind == kindDispatch {
			m.Precisions = ownRates(rows)
		}
		terms := make([][]float64, len(rows))
		known := make([]bool, len(rows))
		for i, p := range rows {
			terms[i] = m.terms(p).vals
			known[i] = p.bandwidth > 0
		}
		ph, err := fitPhysical(terms, y, known, kind != kindRoofline, kind == kindDispatch)
		if err != nil {
			return nil, err
		}
		m.Physical = ph
	case kindRidge:
		return trainRidge(t, rows, y, keys, opt)
	default:
		return nil, fmt.Errorf("unknown model kind %q", kind)
	}
	return m, nil
}

type ridgeSpec struct {
	offset, interact bool
	lambda           float64
}

// trainRidge chooses the offset, the precision interactions and the penalty
// by inner cross-validation on the training rows alone, then refits on all
// of them.
func trainRidge(t target, rows []physics, y []float64, keys []string, opt Options) (*Model, error) {
	lambdas := ridgeLambdas
	if opt.Lambda > 0 {
		lambdas = []float64{opt.Lambda}
	}
	multi := len(precisionsOf(rows)) > 1
	var specs []ridgeSpec
	for _, offset := range []bool{true, false} {
		for _, interact := range []bool{false, true} {
			if interact && !multi {
				continue
			}
			for _, l := range lambdas {
				specs = append(specs, ridgeSpec{offset, interact, l})
			}
		}
	}
	best := ridgeSpec{offset: true, lambda: lambdas[len(lambdas)/2]}
	if splits := kFold(keys, nil, opt.Folds, opt.Seed+1); len(splits) >= 2 && len(specs) > 1 {
		sse := make([]float64, len(specs))
		for _, s := range splits {
			tr, te := pick(rows, s.train), pick(rows, s.test)
			ytr, yte := pick(y, s.train), pick(y, s.test)
			for k, spec := range specs {
				m, err := fitRidgeModel(t, spec, tr, ytr)
				if err != nil {
					sse[k] = math.Inf(1)
					continue
				}
				for i, p := range te {
					d := m.estimate(p).mu - math.Log(yte[i])
					sse[k] += d * d
				}
			}
		}
		bk := 0
		for k := range specs {
			if sse[k] < sse[bk] {
				bk = k
			}
		}
		best = specs[bk]
	}
	return fitRidgeModel(t, best, rows, y)
}

func fitRidgeModel(t target, spec ridgeSpec, rows []physics, y []float64) (*Model, error) {
	d, z, err := newDesign(featureNames(precisionsOf(rows), t, spec.interact), rows)
	if err != nil {
		return nil, err
	}
	ly := make([]float64, len(y))
	for i, v := range y {
		ly[i] = math.Log(v)
		if spec.offset {
			ly[i] -= t.offset(rows[i])
		}
	}
	r, err := fitRidge(z, ly, spec.lambda)
	if err != nil {
		return nil, err
	}
	return &Model{Target: string(t), Kind: kindRidge, N: len(rows), Design: &d, Ridge: r, Offset: spec.offset}, nil
}

// terms are the physical terms a roofline, linear, overhead or dispatch
// model sums.
func (m *Model) terms(p physics) termSet {
	t := target(m.Target)
	switch m.Kind {
	case kindRoofline:
		return termSet{vals: t.roofTerms(p)}
	case kindOverhead:
		return t.overheadTerms(p, m.Precisions)
	case kindDispatch:
		return t.dispatchTerms(p, m.Precisions)
	default:
		return termSet{vals: t.linearTerms(p)}
	}
}

// estimate predicts the target for p, in log space.
func (m *Model) estimate(p physics) estimate {
	e := m.rawEstimate(p)
	if m.Spread > 0 {
		e.sd *= m.Spread
	}
	return e
}

func (m *Model) rawEstimate(p physics) estimate {
	t := target(m.Target)
	switch m.Kind {
	case kindBaseline:
		return m.Baseline.estimate()
	case kindRoofline, kindLinear, kindOverhead, kindDispatch:
		return m.Physical.estimate(m.terms(p).vals, p.bandwidth > 0, m.N)
	default:
		z := m.Design.row(p)
		mu := m.Ridge.predict(z)
		if m.Offset {
			mu += t.offset(p)
		}
		return estimate{mu: mu, sd: m.Ridge.predictiveSD(z), df: m.Ridge.DF}
	}
}
