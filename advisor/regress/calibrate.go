package regress

import (
	"math"
	"slices"

	"github.com/inferbench/inferbench/advisor/physics"
)

// CalibrationLevel is the interval coverage that calibration aims at: the
// one fit reports as interval_coverage_90.
const CalibrationLevel = 0.90

// Calibrate sets the model's Spread so that its intervals hold what runs it
// did not see showed: a model trained on most of rows predicts the rest, and
// the spread is the factor by which the predictive standard deviation must
// grow (or may shrink) for CalibrationLevel of those runs to fall inside.
// A model's own standard deviation comes from its training residuals, which
// understate the error on a new configuration, most of all for a model
// never measured. The quantile is the conformal one, ⌈(n+1)·level⌉ of n, so
// that the guarantee holds for few runs too. With too few configurations
// for inner folds the spread stays at 1.
func (m *Model) Calibrate(rows []physics.Quantities, y []float64, keys []string, opt Options) {
	splits := KFold(keys, nil, opt.Folds, opt.Seed+3)
	if len(splits) < 2 {
		return
	}
	t := physics.Target(m.Target)
	ratios, err := OutOfFold(len(y), splits, func(train, test []int) ([]float64, error) {
		inner, err := Train(t, m.Kind, Pick(rows, train), Pick(y, train), Pick(keys, train), opt)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(test))
		for k, i := range test {
			e := inner.rawEstimate(rows[i])
			h := TQuantile(e.DF, CalibrationLevel) * e.SD
			out[k] = math.Abs(math.Log(y[i])-e.Mu) / math.Max(h, 1e-12)
		}
		return out, nil
	})
	if err != nil {
		return
	}
	slices.Sort(ratios)
	k := min(int(math.Ceil(float64(len(ratios)+1)*CalibrationLevel)), len(ratios)) - 1
	m.Spread = math.Max(ratios[max(k, 0)], 0.1)
}
