package regress

import (
	"math"

	"github.com/inferbench/inferbench/advisor/physics"
)

// LiveLayerWindows are the windows of layers whose prompt temporaries the
// overhead memory model may count (physics.WithLiveLayers); 0 counts every
// layer.
var LiveLayerWindows = []float64{0, 8, 12, 16, 20, 24, 32}

// chooseLiveLayers picks the window by cross-validation on the training runs
// alone, the way fit chooses a kind: the mean of the 5-fold and the
// leave-one-model-out error, where there are models enough. The training
// error cannot choose it: counting every layer always fits the runs at hand
// best, and what a window buys is a model that carries to configurations and
// models it has not seen. The inner fits are least-squares ones, which rank
// the windows as the robust fit does at a tenth of the cost.
func chooseLiveLayers(m *Model, rows []physics.Quantities, y []float64, keys []string, opt Options) float64 {
	models := make([]string, len(keys))
	for i, k := range keys {
		models[i] = physics.KeyModel(k)
	}
	kfold := KFold(keys, nil, opt.Folds, opt.Seed+7)
	if kfold == nil {
		return 0
	}
	lomo, names := LeaveOneModelOut(models)
	if len(names) < MinModelsLOMO {
		lomo = nil
	}
	best, bestScore := 0.0, math.Inf(1)
	for _, w := range LiveLayerWindows {
		score := heldOutError(m, w, rows, y, kfold)
		if lomo != nil {
			score = (score + heldOutError(m, w, rows, y, lomo)) / 2
		}
		if score < bestScore {
			best, bestScore = w, score
		}
	}
	return best
}

// heldOutError is the mean absolute relative error of the least-squares fit at
// window w on each split's test runs.
func heldOutError(m *Model, w float64, rows []physics.Quantities, y []float64, splits []Split) float64 {
	errs, err := OutOfFold(len(y), splits, func(train, test []int) ([]float64, error) {
		tr := Pick(rows, train)
		c := &Model{Target: m.Target, Kind: m.Kind, N: len(train), Precisions: physics.OwnRates(tr), LiveLayers: w}
		if err := c.fitPhysical(tr, Pick(y, train), false); err != nil {
			return nil, err
		}
		out := make([]float64, len(test))
		for k, i := range test {
			out[k] = math.Abs(math.Exp(c.rawEstimate(rows[i]).Mu)/y[i] - 1)
		}
		return out, nil
	})
	if err != nil {
		return math.Inf(1)
	}
	var s float64
	for _, e := range errs {
		s += e
	}
	return s / float64(len(errs))
}
