package regress

import (
	"fmt"
	"math"

	"github.com/inferbench/inferbench/advisor/physics"
)

// Model kinds.
const (
	KindBaseline = "baseline" // the geometric mean of the training runs: what any model must beat
	KindRoofline = "roofline" // physical terms, each scaled by one fitted constant
	KindLinear   = "linear"   // byte terms with non-negative coefficients and an offset (memory)
	KindOverhead = "overhead" // per-layer, byte and FLOP costs, per precision, non-negative (physics/overhead.go)
	KindDispatch = "dispatch" // kernel counts and their costs, for dispatch-bound GPUs (physics/dispatch.go)
	KindRidge    = "ridge"    // log-space ridge regression on the features
)

// Kinds lists the model kinds tried for a target, simplest first.
func Kinds(t physics.Target) []string {
	if t == physics.Memory {
		return []string{KindBaseline, KindRoofline, KindLinear, KindOverhead, KindRidge}
	}
	return []string{KindBaseline, KindRoofline, KindOverhead, KindDispatch, KindRidge}
}

// Options tune training. Zero values take the defaults.
type Options struct {
	Folds  int     // cross-validation folds, inner ones included; 5 by default
	Lambda float64 // ridge penalty per run; chosen by inner cross-validation when 0
	Seed   int64   // shuffles the folds
}

// WithDefaults fills in the defaults.
func (o Options) WithDefaults() Options {
	if o.Folds < 2 {
		o.Folds = 5
	}
	return o
}

// Model predicts one target. Only the parts of its Kind are set.
type Model struct {
	Target string `json:"target"` // decode, ttft or memory
	Kind   string `json:"kind"`   // baseline, roofline, linear, overhead, dispatch or ridge
	N      int    `json:"n"`      // training runs

	// Spread widens the predictive standard deviation so that intervals
	// cover what held-out runs showed (see Calibrate); 0 means 1.
	Spread float64 `json:"spread,omitempty"`
	// Precisions lays out the overhead and dispatch kinds' per-precision terms.
	Precisions []string `json:"precisions,omitempty"`
	// LiveLayers is the overhead memory model's window of layers whose prompt
	// temporaries are alive at once (physics.WithLiveLayers); 0 is all of them.
	LiveLayers float64 `json:"live_layers,omitempty"`

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

// Train fits one kind of model for a target.
func Train(t physics.Target, kind string, rows []physics.Quantities, y []float64, keys []string, opt Options) (*Model, error) {
	m := &Model{Target: string(t), Kind: kind, N: len(rows)}
	switch kind {
	case KindBaseline:
		m.Baseline = fitBaseline(y)
	case KindRoofline, KindLinear, KindOverhead, KindDispatch:
		if kind == KindOverhead || kind == KindDispatch {
			m.Precisions = physics.OwnRates(rows)
		}
		robust := kind == KindDispatch
		if kind == KindOverhead && t == physics.Memory {
			// A configuration's peak moves by tens of percent with how far the host ran
			// ahead of the GPU; the runs caught far ahead or behind should not pull on the rest.
			m.LiveLayers, robust = chooseLiveLayers(m, rows, y, keys, opt), true
		}
		if err := m.fitPhysical(rows, y, robust); err != nil {
			return nil, err
		}
	case KindRidge:
		return trainRidge(t, rows, y, keys, opt)
	default:
		return nil, fmt.Errorf("unknown model kind %q", kind)
	}
	return m, nil
}

// fitPhysical fits a physical kind's scales to the runs; robust fits them for
// the least absolute relative error rather than the least squared one.
func (m *Model) fitPhysical(rows []physics.Quantities, y []float64, robust bool) error {
	terms := make([][]float64, len(rows))
	known := make([]bool, len(rows))
	for i, p := range rows {
		terms[i] = m.Terms(p).Vals
		known[i] = p.Bandwidth > 0
	}
	ph, err := fitPhysical(terms, y, known, m.Kind != KindRoofline, robust)
	if err != nil {
		return err
	}
	m.Physical = ph
	return nil
}

type ridgeSpec struct {
	offset, interact bool
	lambda           float64
}

// trainRidge chooses the offset, the precision interactions and the penalty
// by inner cross-validation on the training rows alone, then refits on all
// of them.
func trainRidge(t physics.Target, rows []physics.Quantities, y []float64, keys []string, opt Options) (*Model, error) {
	lambdas := ridgeLambdas
	if opt.Lambda > 0 {
		lambdas = []float64{opt.Lambda}
	}
	multi := len(physics.PrecisionsOf(rows)) > 1
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
	if splits := KFold(keys, nil, opt.Folds, opt.Seed+1); len(splits) >= 2 && len(specs) > 1 {
		sse := make([]float64, len(specs))
		for _, s := range splits {
			tr, te := Pick(rows, s.Train), Pick(rows, s.Test)
			ytr, yte := Pick(y, s.Train), Pick(y, s.Test)
			for k, spec := range specs {
				m, err := fitRidgeModel(t, spec, tr, ytr)
				if err != nil {
					sse[k] = math.Inf(1)
					continue
				}
				for i, p := range te {
					d := m.Estimate(p).Mu - math.Log(yte[i])
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

func fitRidgeModel(t physics.Target, spec ridgeSpec, rows []physics.Quantities, y []float64) (*Model, error) {
	d, z, err := NewDesign(physics.FeatureNames(physics.PrecisionsOf(rows), t, spec.interact), rows)
	if err != nil {
		return nil, err
	}
	ly := make([]float64, len(y))
	for i, v := range y {
		ly[i] = math.Log(v)
		if spec.offset {
			ly[i] -= t.Offset(rows[i])
		}
	}
	r, err := fitRidge(z, ly, spec.lambda)
	if err != nil {
		return nil, err
	}
	return &Model{Target: string(t), Kind: KindRidge, N: len(rows), Design: &d, Ridge: r, Offset: spec.offset}, nil
}

// Terms are the physical terms a roofline, linear, overhead or dispatch
// model sums, named where the kind names them.
func (m *Model) Terms(p physics.Quantities) physics.TermSet {
	t := physics.Target(m.Target)
	switch m.Kind {
	case KindRoofline:
		return physics.TermSet{Vals: t.RoofTerms(p)}
	case KindOverhead:
		return t.OverheadTerms(p.WithLiveLayers(m.LiveLayers), m.Precisions)
	case KindDispatch:
		return t.DispatchTerms(p, m.Precisions)
	default:
		return physics.TermSet{Vals: t.LinearTerms(p)}
	}
}

// Estimate predicts the target for p, in log space.
func (m *Model) Estimate(p physics.Quantities) Estimate {
	e := m.rawEstimate(p)
	if m.Spread > 0 {
		e.SD *= m.Spread
	}
	return e
}

func (m *Model) rawEstimate(p physics.Quantities) Estimate {
	t := physics.Target(m.Target)
	switch m.Kind {
	case KindBaseline:
		return m.Baseline.estimate()
	case KindRoofline, KindLinear, KindOverhead, KindDispatch:
		return m.Physical.estimate(m.Terms(p).Vals, p.Bandwidth > 0, m.N)
	default:
		z := m.Design.Row(p)
		mu := m.Ridge.predict(z)
		if m.Offset {
			mu += t.Offset(p)
		}
		return Estimate{Mu: mu, SD: m.Ridge.predictiveSD(z), DF: m.Ridge.DF}
	}
}
