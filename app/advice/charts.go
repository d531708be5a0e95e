package advice

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/charts"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// RenderCharts draws every chart the stored runs allow into dir: measurements, predictions of
// the current fit, and its accuracy. Without a fit (too little data) it draws the measurements
// and returns why there is no fit as fitErr.
func RenderCharts(ctx context.Context, store *storage.DB, cat *engine.Catalog, opt charts.Options, dir string) (paths []string, fitErr, err error) {
	runs, err := store.Runs(ctx, storage.RunFilter{})
	if err != nil {
		return nil, nil, err
	}
	points, generate := chartPoints(runs)
	if len(points) == 0 {
		return nil, nil, fmt.Errorf("nothing to draw: %s has no successful or out-of-memory runs yet; measure some with inferbench sweep", store.Path())
	}
	// Charts of measurements alone are worth drawing when there is too little data to fit.
	f, fitErr := CurrentFit(ctx, store, cat, opt.ThresholdMs, false)
	if f != nil {
		points = append(points, predictedPoints(f, cat, points, generate)...)
	}
	paths, err = charts.RenderAll(points, nil, opt, dir)
	if err != nil && !errors.Is(err, charts.ErrNoData) {
		return nil, fitErr, err
	}
	if f != nil {
		more, err := accuracyCharts(f, cat, opt, dir)
		paths = append(paths, more...)
		if err != nil {
			return nil, fitErr, err
		}
	}
	if len(paths) == 0 {
		return nil, fitErr, fmt.Errorf("nothing to draw: the runs in %s have no decode latency or peak memory", store.Path())
	}
	return paths, fitErr, nil
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

// accuracyCharts draws predicted against measured for the runs the fit was trained on. The
// advisor does not expose its cross-validated predictions, so these are in-sample, and the
// titles say so: fit's MAPE figures are the out-of-sample ones.
func accuracyCharts(f *Fitted, cat *engine.Catalog, opt charts.Options, dir string) ([]string, error) {
	used := map[int64]bool{}
	for _, id := range f.Fit.RunIDs {
		used[id] = true
	}
	var trained []storage.Run
	for _, r := range f.Runs {
		if used[r.ID] {
			trained = append(trained, r)
		}
	}
	obs, _ := Observations(trained, cat, f.Machine, true)
	pairs := map[string][]charts.Pair{}
	for _, o := range obs {
		if o.Status != advisor.StatusOK {
			continue
		}
		pr := f.Fit.Predict(o.Query())
		label := o.Model + " " + o.Precision
		if o.DecodeMsPerToken > 0 {
			pairs["ms/token"] = append(pairs["ms/token"], charts.Pair{Measured: o.DecodeMsPerToken, Predicted: pr.DecodeMsPerToken, Label: label})
		}
		if o.TTFTMs > 0 {
			pairs["ms"] = append(pairs["ms"], charts.Pair{Measured: o.TTFTMs, Predicted: pr.TTFTMs, Label: label})
		}
		if o.PeakMemoryBytes > 0 {
			pairs["GB"] = append(pairs["GB"], charts.Pair{Measured: float64(o.PeakMemoryBytes) / 1e9, Predicted: float64(pr.PeakMemoryBytes) / 1e9, Label: label})
		}
	}
	opt.Title = "in-sample: runs the fit was trained on"
	var paths []string
	for _, c := range []struct{ unit, name string }{
		{"ms/token", "predicted-vs-measured-ms-per-token"},
		{"ms", "predicted-vs-measured-ttft"},
		{"GB", "predicted-vs-measured-peak-memory"},
	} {
		p, err := charts.PredictedVsMeasured(pairs[c.unit], c.unit, opt)
		if errors.Is(err, charts.ErrNoData) {
			continue
		}
		if err != nil {
			return paths, err
		}
		written, err := charts.Save(p, dir, c.name)
		paths = append(paths, written...)
		if err != nil {
			return paths, err
		}
	}
	return paths, nil
}

func TokensPerSec(batch int, msPerToken float64) float64 {
	if msPerToken <= 0 {
		return 0
	}
	return float64(max(batch, 1)) * 1000 / msPerToken
}
