package validate

import (
	"fmt"
	"math"

	"github.com/inferbench/inferbench/advisor/regress"
)

// Figures are one kind's out-of-sample MAPEs, as fractions; nil where they
// could not be measured (leave-one-model-out with fewer than three models,
// a kind that could not be fitted).
type Figures struct {
	MAPE5Fold *float64
	MAPELOMO  *float64
}

// TargetMetrics is how well a target is predicted, every figure out of
// sample: the chosen kind's 5-fold MAPE, R² and 90% interval coverage, its
// leave-one-model-out MAPE, and every kind's MAPEs beside it.
type TargetMetrics struct {
	Model      string // the kind chosen
	MAPE5Fold  *float64
	R2CV       *float64
	MAPELOMO   *float64
	Coverage90 *float64 // the share of held-out runs inside their 90% interval
	// Kinds holds every kind tried that could be measured, the chosen one's
	// and the naive baseline's included.
	Kinds map[string]Figures
}

// Baseline is the naive baseline's figures: what the chosen kind must beat.
func (m TargetMetrics) Baseline() Figures { return m.Kinds[regress.KindBaseline] }

// Metrics reports the evaluation.
func (ev Evaluation) Metrics() TargetMetrics {
	k := ev.Chosen
	m := TargetMetrics{Model: k, MAPE5Fold: Num(ev.CVMAPE[k]), R2CV: Num(ev.CVR2[k]), MAPELOMO: Num(ev.LOMOMAPE[k]), Coverage90: Num(ev.Coverage90)}
	for _, kind := range regress.Kinds(ev.Target) {
		f := Figures{MAPE5Fold: Num(ev.CVMAPE[kind]), MAPELOMO: Num(ev.LOMOMAPE[kind])}
		if f.MAPE5Fold == nil && f.MAPELOMO == nil {
			continue
		}
		if m.Kinds == nil {
			m.Kinds = map[string]Figures{}
		}
		m.Kinds[kind] = f
	}
	return m
}

// Warnings say, in words, where the chosen model should not be trusted: it
// does no better than predicting the average of all runs (the naive
// baseline) under either validation, explains less of the variance than the
// mean, is off by more than half on average, or has intervals that do not
// hold.
func (ev Evaluation) Warnings() []string {
	var out []string
	warn := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	name, k := ev.Target.Describe(), ev.Chosen
	base := regress.KindBaseline
	for _, c := range []struct {
		how        string
		got, naive float64
	}{
		{"5-fold cross-validation", ev.CVMAPE[k], ev.CVMAPE[base]},
		{"leaving one model out", ev.LOMOMAPE[k], ev.LOMOMAPE[base]},
	} {
		if k == base {
			warn("%s: no model predicts better than the naive baseline (the average of all runs), which is what is stored; its predictions say nothing about a configuration, so measure more varied configurations", name)
			break
		}
		if !math.IsNaN(c.got) && !math.IsNaN(c.naive) && c.got >= c.naive {
			warn("%s: the %s model predicts no better than the naive baseline (the average of all runs) under %s, %.1f%% against %.1f%% error; do not rely on its predictions, and measure more varied configurations",
				name, k, c.how, 100*c.got, 100*c.naive)
			break
		}
	}
	if r2 := ev.CVR2[k]; r2 < 0 {
		warn("%s: R² under cross-validation is %.3f, below zero: the model explains less than the mean does", name, r2)
	}
	if mape := ev.CVMAPE[k]; mape > 0.5 {
		warn("%s: predictions are off by %.0f%% on average (5-fold cross-validation); treat them as rough", name, 100*mape)
	}
	if c := ev.Coverage90; !math.IsNaN(c) && (c < 0.80 || c > 0.98) {
		warn("%s: the 90%% prediction intervals held %.0f%% of held-out runs; their width is not to be trusted", name, 100*c)
	}
	return out
}
