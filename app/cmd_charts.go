package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/charts"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

func runCharts(ctx context.Context, env Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("charts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		db, out, memory string
		thresholdMs     float64
	)
	fs.StringVar(&out, "out", "", "`folder` to write the charts to (required)")
	fs.StringVar(&memory, "memory", "", "memory `budget` to draw, e.g. 16GiB (default: this machine's memory)")
	fs.Float64Var(&thresholdMs, "threshold-ms", 200, "decode is interactive under this many `ms` per token")
	fs.StringVar(&db, "db", "", "SQLite `file` (default: INFERBENCH_DB, then the platform default)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: inferbench charts --out DIR [flags]

Draws the stored runs as PNG and SVG: decode latency vs context per model and precision, tokens/s
vs batch, peak memory vs context with the memory budget and the out-of-memory points, predicted
vs measured, and a feasibility map. Configurations never measured are filled in from the fit.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if err := noArgs("charts", fs.Args()); err != nil {
		return err
	}
	if out == "" {
		return usageError(errors.New("--out is required: the folder to write the charts to"))
	}
	if err := checkThreshold(thresholdMs); err != nil {
		return err
	}
	budget, err := parseMemory(memory)
	if err != nil {
		return err
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, env.dbPath(db))
	if err != nil {
		return err
	}
	defer store.Close()
	machine, err := thisMachine(ctx, store)
	if err != nil {
		return err
	}
	if budget == 0 {
		budget = machine.MemoryBytes
	}
	paths, fitErr, err := renderCharts(ctx, store, cat, charts.Options{MemoryBudgetBytes: budget, ThresholdMs: thresholdMs}, out)
	if fitErr != nil {
		fmt.Fprintf(stderr, "inferbench: drawing measurements only; no fit: %s\n", indentRest(fitErr.Error()))
	}
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// renderCharts draws every chart the stored runs allow into dir: measurements, predictions of
// the current fit, and its accuracy. Without a fit (too little data) it draws the measurements
// and returns why there is no fit as fitErr.
func renderCharts(ctx context.Context, store *storage.DB, cat *engine.Catalog, opt charts.Options, dir string) (paths []string, fitErr, err error) {
	runs, err := store.Runs(ctx, storage.RunFilter{})
	if err != nil {
		return nil, nil, err
	}
	points, generate := chartPoints(runs)
	if len(points) == 0 {
		return nil, nil, fmt.Errorf("nothing to draw: %s has no successful or out-of-memory runs yet; measure some with inferbench sweep", store.Path())
	}
	// Charts of measurements alone are worth drawing when there is too little data to fit.
	f, fitErr := currentFit(ctx, store, cat, opt.ThresholdMs, false)
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
		if r.Status != storage.StatusOK && r.Status != storage.StatusOOM || r.Status == storage.StatusOK && hot(r) {
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
			pt.TokensPerSec = tokensPerSec(r.Batch, pt.MsPerToken)
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
func predictedPoints(f *fitted, cat *engine.Catalog, measured []charts.Point, generate int) []charts.Point {
	seen := map[[2]string]bool{}
	var ctxs, batches []int
	for _, pt := range measured {
		seen[[2]string{pt.Model, pt.Precision}] = true
		ctxs, batches = append(ctxs, pt.Context), append(batches, pt.Batch)
	}
	slices.Sort(ctxs)
	slices.Sort(batches)
	ctxs, batches = slices.Compact(ctxs), slices.Compact(batches)
	sh := newShapes(cat)
	var pts []charts.Point
	for _, m := range f.fit.Models {
		cm, inCatalog := cat.Model(m)
		for _, p := range f.fit.Precisions {
			if seen[[2]string{m, p}] {
				continue
			}
			for _, c := range ctxs {
				if inCatalog && cm.MaxPositions > 0 && c+generate > cm.MaxPositions {
					continue
				}
				for _, b := range batches {
					q, err := f.query(cat, sh, m, p, c, generate, b)
					if err != nil {
						continue
					}
					pr := f.fit.Predict(q)
					pts = append(pts, charts.Point{Model: m, Precision: p, Context: c, Batch: b,
						MsPerToken: pr.DecodeMsPerToken, TokensPerSec: tokensPerSec(b, pr.DecodeMsPerToken),
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
func accuracyCharts(f *fitted, cat *engine.Catalog, opt charts.Options, dir string) ([]string, error) {
	used := map[int64]bool{}
	for _, id := range f.fit.RunIDs {
		used[id] = true
	}
	var trained []storage.Run
	for _, r := range f.runs {
		if used[r.ID] {
			trained = append(trained, r)
		}
	}
	obs, _ := observations(trained, cat, f.machine, true)
	pairs := map[string][]charts.Pair{}
	for _, o := range obs {
		if o.Status != advisor.StatusOK {
			continue
		}
		pr := f.fit.Predict(o.Query())
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
