package validate

import (
	"math"

	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
)

// MinModelsLOMO is the fewest models that allow leaving one out.
const MinModelsLOMO = regress.MinModelsLOMO

// CoverageLevel is the interval coverage reported beside the MAPEs.
const CoverageLevel = regress.CalibrationLevel

// Data is the runs a target is validated on, row by row.
type Data struct {
	Rows   []physics.Quantities
	Y      []float64 // the target's measured values
	Keys   []string  // each run's configuration (physics.Query.Key)
	Models []string  // each run's model
}

// Evaluation is how each kind of model did out of sample on one target.
type Evaluation struct {
	Target                 physics.Target
	CVMAPE, CVR2, LOMOMAPE map[string]float64 // by kind; NaN where it could not be measured
	Coverage90             float64            // the chosen kind's, on the k-fold predictions
	Chosen                 string
	HeldOut                []regress.Estimate // the chosen kind's k-fold predictions, row by row
}

// Score is what selection minimizes: the k-fold MAPE averaged with the
// leave-one-model-out MAPE where there is one, so that a kind that fits the
// models it has seen but not a new one is not chosen.
func (ev Evaluation) Score(kind string) float64 {
	cv, lo := ev.CVMAPE[kind], ev.LOMOMAPE[kind]
	if math.IsNaN(lo) {
		return cv
	}
	return (cv + lo) / 2
}

// Evaluate cross-validates every kind of model for the target on the same
// folds, so they are compared on equal terms, and holds out each model when
// there are enough. The kind with the lowest Score is chosen; the simpler
// kind wins a tie.
func Evaluate(t physics.Target, d Data, folds []regress.Split, opt regress.Options) Evaluation {
	ev := Evaluation{Target: t, CVMAPE: map[string]float64{}, CVR2: map[string]float64{}, LOMOMAPE: map[string]float64{}, Coverage90: math.NaN()}
	var lomo []regress.Split
	if distinct(d.Models) >= MinModelsLOMO {
		lomo, _ = regress.LeaveOneModelOut(d.Models)
	}
	cvEst := map[string][]regress.Estimate{}
	for _, kind := range regress.Kinds(t) {
		ev.CVMAPE[kind], ev.CVR2[kind], ev.LOMOMAPE[kind] = math.NaN(), math.NaN(), math.NaN()
		if est := HeldOut(t, kind, d, folds, opt, true); est != nil {
			pred := Values(est)
			ev.CVMAPE[kind], ev.CVR2[kind] = MAPE(d.Y, pred), R2(d.Y, pred)
			cvEst[kind] = est
		}
		if est := HeldOut(t, kind, d, lomo, opt, false); est != nil {
			ev.LOMOMAPE[kind] = MAPE(d.Y, Values(est))
		}
		if !math.IsNaN(ev.CVMAPE[kind]) && (ev.Chosen == "" || ev.Score(kind) < ev.Score(ev.Chosen)) {
			ev.Chosen = kind
		}
	}
	if ev.Chosen == "" {
		ev.Chosen = regress.KindBaseline
	}
	if est := cvEst[ev.Chosen]; est != nil {
		ev.HeldOut = est
		ev.Coverage90 = Coverage(d.Y, est, CoverageLevel)
	}
	return ev
}

// HeldOut trains kind on each split's training rows and predicts its test
// rows, calibrating the intervals on the training rows alone when
// calibrated; nil when a split cannot be fitted.
func HeldOut(t physics.Target, kind string, d Data, splits []regress.Split, opt regress.Options, calibrated bool) []regress.Estimate {
	if splits == nil {
		return nil
	}
	est, err := regress.OutOfFold(len(d.Y), splits, func(train, test []int) ([]regress.Estimate, error) {
		rows, y, keys := regress.Pick(d.Rows, train), regress.Pick(d.Y, train), regress.Pick(d.Keys, train)
		m, err := regress.Train(t, kind, rows, y, keys, opt)
		if err != nil {
			return nil, err
		}
		if calibrated {
			m.Calibrate(rows, y, keys, opt)
		}
		out := make([]regress.Estimate, len(test))
		for k, i := range test {
			out[k] = m.Estimate(d.Rows[i])
		}
		return out, nil
	})
	if err != nil {
		return nil
	}
	return est
}

// Values are the estimates' predictions.
func Values(est []regress.Estimate) []float64 {
	out := make([]float64, len(est))
	for i, e := range est {
		out[i] = e.Value()
	}
	return out
}

func distinct(xs []string) int {
	seen := map[string]bool{}
	for _, x := range xs {
		seen[x] = true
	}
	return len(seen)
}
