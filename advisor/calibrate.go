package advisor

import (
	"math"
	"slices"
)

// calibrationLevel is the interval coverage that calibration aims at: the
// one fit reports as interval_coverage_90.
const calibrationLevel = 0.90

// calibrate sets the model's Spread so that its intervals hold what runs it
// did not see showed: a model trained on most of rows predicts the rest, and
// the spread is the factor by which the predictive standard deviation must
// grow (or may shrink) for calibrationLevel of those runs to fall inside.
// A model's own standard deviation comes from its training residuals, which
// understate the error on a new configuration, most of all for a model
// never measured. The quantile is the conformal one, ⌈(n+1)·level⌉ of n, so
// that the guarantee holds for few runs too. With too few configurations
// for inner folds the spread stays at 1.
func (m *Model) calibrate(rows []physics, y []float64, keys []string, opt Options) {
	splits := kFold(keys, nil, opt.Folds, opt.Seed+3)
	if len(splits) < 2 {
		return
	}
	t := target(m.Target)
	ratios, err := outOfFold(len(y), splits, func(train, test []int) ([]float64, error) {
		inner, err := trainModel(t, m.Kind, pick(rows, train), pick(y, train), pick(keys, train), opt)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(test))
		for k, i := range test {
			e := inner.rawEstimate(rows[i])
			h := tQuantile(e.df, calibrationLevel) * e.sd
			out[k] = math.Abs(math.Log(y[i])-e.mu) / math.Max(h, 1e-12)
		}
		return out, nil
	})
	if err != nil {
		return
	}
	slices.Sort(ratios)
	k := min(int(math.Ceil(float64(len(ratios)+1)*calibrationLevel)), len(ratios)) - 1
	m.Spread = math.Max(ratios[max(k, 0)], 0.1)
}
