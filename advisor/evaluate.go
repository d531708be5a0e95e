package advisor

import (
	"math"
)

// evaluation is how each kind of model did out of sample on one target.
type evaluation struct {
	cvMAPE, cvR2, lomoMAPE map[string]float64 // NaN where it could not be measured
	coverage90             float64            // the chosen kind's, on the k-fold predictions
	chosen                 string
	heldOut                []estimate // the chosen kind's k-fold predictions, row by row
}

// score is what selection minimizes: the k-fold MAPE averaged with the
// leave-one-model-out MAPE where there is one, so that a kind that fits the
// models it has seen but not a new one is not chosen.
func (ev evaluation) score(kind string) float64 {
	cv, lo := ev.cvMAPE[kind], ev.lomoMAPE[kind]
	if math.IsNaN(lo) {
		return cv
	}
	return (cv + lo) / 2
}

// evaluate cross-validates every kind of model on the same folds, so they
// are compared on equal terms, and holds out each model when there are
// enough. The kind with the lowest score is chosen; the simpler kind wins a
// tie.
func evaluate(t target, d *dataset, folds []split, opt Options) evaluation {
	ev := evaluation{cvMAPE: map[string]float64{}, cvR2: map[string]float64{}, lomoMAPE: map[string]float64{}, coverage90: math.NaN()}
	var lomo []split
	if distinct(d.models) >= MinModelsLOMO {
		lomo, _ = leaveOneModelOut(d.models)
	}
	cvEst := map[string][]estimate{}
	for _, kind := range t.kinds() {
		ev.cvMAPE[kind], ev.cvR2[kind], ev.lomoMAPE[kind] = math.NaN(), math.NaN(), math.NaN()
		if est := heldOutEstimates(t, kind, d, folds, opt, true); est != nil {
			pred := estValues(est)
			ev.cvMAPE[kind], ev.cvR2[kind] = MAPE(d.y, pred), R2(d.y, pred)
			cvEst[kind] = est
		}
		if est := heldOutEstimates(t, kind, d, lomo, opt, false); est != nil {
			ev.lomoMAPE[kind] = MAPE(d.y, estValues(est))
		}
		if !math.IsNaN(ev.cvMAPE[kind]) && (ev.chosen == "" || ev.score(kind) < ev.score(ev.chosen)) {
			ev.chosen = kind
		}
	}
	if ev.chosen == "" {
		ev.chosen = kindBaseline
	}
	if est := cvEst[ev.chosen]; est != nil {
		ev.heldOut = est
		ev.coverage90 = coverage(d.y, est, 0.90)
	}
	return ev
}

// heldOutEstimates trains kind on each split's training rows and predicts
// its test rows, calibrating the intervals on the training rows alone when
// calibrated; nil when a split cannot be fitted.
func heldOutEstimates(t target, kind string, d *dataset, splits []split, opt Options, calibrated bool) []estimate {
	if splits == nil {
		return nil
	}
	est, err := outOfFold(len(d.y), splits, func(train, test []int) ([]estimate, error) {
		rows, y, keys := pick(d.rows, train), pick(d.y, train), pick(d.keys, train)
		m, err := trainModel(t, kind, rows, y, keys, opt)
		if err != nil {
			return nil, err
		}
		if calibrated {
			m.calibrate(rows, y, keys, opt)
		}
		out := make([]estimate, len(test))
		for k, i := range test {
			out[k] = m.estimate(d.rows[i])
		}
		return out, nil
	})
	if err != nil {
		return nil
	}
	return est
}

func estValues(est []estimate) []float64 {
	out := make([]float64, len(est))
	for i, e := range est {
		out[i] = e.value()
	}
	return out
}

// coverage is the share of actual values inside their estimate's interval at
// the level.
func coverage(actual []float64, est []estimate, level float64) float64 {
	in := 0
	for i, e := range est {
		lo, hi := e.intervalAt(level)
		if lo <= actual[i] && actual[i] <= hi {
			in++
		}
	}
	return float64(in) / float64(len(est))
}
