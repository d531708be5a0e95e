package app

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	resources "github.com/inferbench/inferbench/Resources"
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
vs batch, peak memory vs context with the memory budget of the machine the runs were measured on and
the out-of-memory points, a feasibility map whose colours change at the latency threshold, and
predicted vs measured for runs predicted by models fitted without them (cross-validated). Pairs of
model and precision never measured together are filled in from the fit, as hollow glyphs. A chart
without data says why in its body. inferbench report adds the analysis around them.

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
	opt := charts.Options{MemoryBudgetBytes: budget, ThresholdMs: thresholdMs, MemoryBudgetSource: "the given"}
	paths, fitErr, err := renderCharts(ctx, store, cat, opt, out)
	if fitErr != nil {
		fmt.Fprintf(stderr, "inferbench: drawing measurements only; no fit: %s\n", indentRest(fitErr.Error()))
	}
	if errors.Is(err, charts.ErrNoData) {
		fmt.Fprintf(stderr, "inferbench: %s has no successful or out-of-memory runs yet: each chart says so; measure some with inferbench sweep\n", store.Path())
		err = nil
	}
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// renderCharts draws every chart into dir: measurements, predictions of the current fit, and
// its accuracy; a chart without data says why in its body. Without a fit (too little data) it
// draws the measurements and returns why there is no fit as fitErr. Without a budget in opt it
// draws the memory of the machine the runs were measured on. err wraps charts.ErrNoData, beside
// the paths of the explanations, when there is nothing at all to draw.
func renderCharts(ctx context.Context, store *storage.DB, cat *engine.Catalog, opt charts.Options, dir string) (paths []string, fitErr, err error) {
	runs, err := store.Runs(ctx, storage.RunFilter{})
	if err != nil {
		return nil, nil, err
	}
	if opt.MemoryBudgetBytes == 0 {
		if opt.MemoryBudgetBytes, err = measuredMemory(ctx, store, runs); err != nil {
			return nil, nil, err
		}
		opt.MemoryBudgetSource = "the measured machine's"
	}
	opt.Models = modelsBySize(runs)
	points, generate := chartPoints(runs)
	// Charts of measurements alone are worth drawing when there is too little data to fit.
	var f *fitted
	if len(points) > 0 {
		f, fitErr = currentFit(ctx, store, cat, opt.ThresholdMs, false)
	}
	if f != nil {
		points = append(points, predictedPoints(f, cat, points, generate)...)
	}
	paths, err = charts.RenderAll(points, heldOutPairs(f), opt, dir)
	return paths, fitErr, err
}

// measuredMemory is the memory of the machine most runs were measured on: the budget their
// out-of-memory runs met, whichever machine draws the charts. 0 when unknown.
func measuredMemory(ctx context.Context, store *storage.DB, runs []storage.Run) (int64, error) {
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

// heldOutPairs are the fit's cross-validated predictions, by unit: each run predicted by a
// model trained without it. No fit gives each predicted-vs-measured chart nothing to draw,
// which it says.
func heldOutPairs(f *fitted) map[string][]charts.Pair {
	pairs := map[string][]charts.Pair{"ms/token": nil, "ms": nil, "GB": nil}
	if f == nil {
		return pairs
	}
	for _, c := range []struct {
		target, unit string
		scale        float64
	}{{"decode", "ms/token", 1}, {"ttft", "ms", 1}, {"memory", "GB", 1e-9}} {
		for _, h := range f.fit.HeldOut[c.target] {
			pairs[c.unit] = append(pairs[c.unit], charts.Pair{Measured: h.Measured * c.scale, Predicted: h.Predicted * c.scale,
				Label: fmt.Sprintf("%s %s ctx %d b%d", h.Model, h.Precision, h.Context, h.Batch), Model: h.Model})
		}
	}
	return pairs
}
