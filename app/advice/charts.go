package advice

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/inferbench/inferbench/charts"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// RenderCharts draws every chart into dir: measurements, predictions of the current fit, and
// its accuracy; a chart without data says why in its body. Without a fit (too little data) it
// draws the measurements and returns why there is no fit as fitErr. Without a budget in opt it
// draws the memory of the machine the runs were measured on. err wraps charts.ErrNoData, beside
// the paths of the explanations, when there is nothing at all to draw.
func RenderCharts(ctx context.Context, store *storage.DB, cat *engine.Catalog, opt charts.Options, dir string) (paths []string, fitErr, err error) {
	runs, err := store.Runs(ctx, storage.RunFilter{})
	if err != nil {
		return nil, nil, err
	}
	if opt.MemoryBudgetBytes == 0 {
		if opt.MemoryBudgetBytes, err = MeasuredMemory(ctx, store, runs); err != nil {
			return nil, nil, err
		}
		opt.MemoryBudgetSource = "the measured machine's"
	}
	opt.Models = modelsBySize(runs)
	opt.PeakBandwidthGBs = peakBandwidth(runs)
	points, generate := chartPoints(runs)
	// Charts of measurements alone are worth drawing when there is too little data to fit.
	var f *Fitted
	if len(points) > 0 {
		f, fitErr = CurrentFit(ctx, store, cat, opt.ThresholdMs, false)
	}
	if f != nil {
		points = append(points, predictedPoints(f, cat, points, generate)...)
	}
	paths, err = charts.RenderAll(points, heldOutPairs(f), opt, dir)
	return paths, fitErr, err
}

// MeasuredMemory is the memory of the machine most runs were measured on: the budget their
// out-of-memory runs met, whichever machine draws the charts. 0 when unknown.
func MeasuredMemory(ctx context.Context, store *storage.DB, runs []storage.Run) (int64, error) {
	count := map[int64]int{}
	var most int64
	for _, r := range runs {
		count[r.MachineID]++
		if count[r.MachineID] > count[most] {
			most = r.MachineID
		}
	}
	if most == 0 {
		return 0, nil
	}
	machines, err := store.Machines(ctx)
	if err != nil {
		return 0, err
	}
	return machines[most].MemoryBytes, nil
}

// peakBandwidth is the peak memory bandwidth the runs were placed under, when they all name the
// same one; runs of several devices share no roof, and 0 says so.
func peakBandwidth(runs []storage.Run) float64 {
	peak := 0.0
	for _, r := range runs {
		if r.PeakBandwidthGBs == nil || *r.PeakBandwidthGBs <= 0 {
			continue
		}
		if peak != 0 && *r.PeakBandwidthGBs != peak {
			return 0
		}
		peak = *r.PeakBandwidthGBs
	}
	return peak
}

// modelsBySize orders the measured models from the fewest parameters to the most, which fixes
// each model's colour on every chart.
func modelsBySize(runs []storage.Run) []string {
	params := map[string]int64{}
	for _, r := range runs {
		params[r.Model] = max(params[r.Model], r.Params)
	}
	models := make([]string, 0, len(params))
	for m := range params {
		models = append(models, m)
	}
	slices.SortFunc(models, func(a, b string) int { return cmp.Or(cmp.Compare(params[a], params[b]), cmp.Compare(a, b)) })
	return models
}

// chartPoints are the successful and out-of-memory runs as the charts take them, and the
// number of generated tokens most of them used. As in fit, successful runs measured while the
// machine was hot are left out: they would show the heat, not the configuration.
func chartPoints(runs []storage.Run) ([]charts.Point, int) {
	var pts []charts.Point
	generates := map[int]int{}
	for _, r := range runs {
		if r.Status != storage.StatusOK && r.Status != storage.StatusOOM || r.Status == storage.StatusOK && Hot(r) {
			continue
		}
		generates[r.Generate]++
		pt := charts.Point{Model: r.Model, Precision: r.Precision, Context: r.Context, Batch: r.Batch, Status: r.Status}
		if r.DecodeMsPerToken != nil {
			pt.MsPerToken = *r.DecodeMsPerToken
		}
		if r.DecodeTokensPerSec != nil {
			pt.TokensPerSec = *r.DecodeTokensPerSec
		} else {
			pt.TokensPerSec = TokensPerSec(r.Batch, pt.MsPerToken)
		}
		if r.PeakMemoryBytes != nil {
			pt.PeakMemoryBytes = *r.PeakMemoryBytes
		}
		if r.DecodeBytesPerStep != nil {
			pt.BytesPerStep = *r.DecodeBytesPerStep
		}
		pts = append(pts, pt)
	}
	generate, most := 32, 0
	for g, n := range generates {
		if n > most || n == most && g < generate {
			generate, most = g, n
		}
	}
	return pts, generate
}

// predictedPoints fills in, at the contexts and batch sizes measured, the fitted models and
// precisions that were never measured together, so every chart has each of them.
func predictedPoints(f *Fitted, cat *engine.Catalog, measured []charts.Point, generate int) []charts.Point {
	seen := map[[2]string]bool{}
	var ctxs, batches []int
	for _, pt := range measured {
		seen[[2]string{pt.Model, pt.Precision}] = true
		ctxs, batches = append(ctxs, pt.Context), append(batches, pt.Batch)
	}
	slices.Sort(ctxs)
	slices.Sort(batches)
	ctxs, batches = slices.Compact(ctxs), slices.Compact(batches)
	sh := NewShapes(cat)
	var pts []charts.Point
	for _, m := range f.Fit.Models {
		cm, inCatalog := cat.Model(m)
		for _, p := range f.Fit.Precisions {
			if seen[[2]string{m, p}] {
				continue
			}
			for _, c := range ctxs {
				if inCatalog && cm.MaxPositions > 0 && c+generate > cm.MaxPositions {
					continue
				}
				for _, b := range batches {
					q, err := f.Query(cat, sh, m, p, c, generate, b)
					if err != nil {
						continue
					}
					pr := f.Fit.Predict(q)
					pts = append(pts, charts.Point{Model: m, Precision: p, Context: c, Batch: b,
						MsPerToken: pr.DecodeMsPerToken, TokensPerSec: TokensPerSec(b, pr.DecodeMsPerToken),
						PeakMemoryBytes: pr.PeakMemoryBytes, Predicted: true})
				}
			}
		}
	}
	return pts
}

// heldOutPairs are the fit's cross-validated predictions, by unit: each run predicted by a
// model trained without it. No fit gives each predicted-vs-measured chart nothing to draw,
// which it says.
func heldOutPairs(f *Fitted) map[string][]charts.Pair {
	pairs := map[string][]charts.Pair{"ms/token": nil, "ms": nil, "GB": nil}
	if f == nil {
		return pairs
	}
	for _, c := range []struct {
		target, unit string
		scale        float64
	}{{"decode", "ms/token", 1}, {"ttft", "ms", 1}, {"memory", "GB", 1e-9}} {
		for _, h := range f.Fit.HeldOut[c.target] {
			pairs[c.unit] = append(pairs[c.unit], charts.Pair{Measured: h.Measured * c.scale, Predicted: h.Predicted * c.scale,
				Label: fmt.Sprintf("%s %s ctx %d b%d", h.Model, h.Precision, h.Context, h.Batch), Model: h.Model})
		}
	}
	return pairs
}

func TokensPerSec(batch int, msPerToken float64) float64 {
	if msPerToken <= 0 {
		return 0
	}
	return float64(max(batch, 1)) * 1000 / msPerToken
}
