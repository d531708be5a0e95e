package charts

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// LatencyVsContext draws decode latency against context length, one line
// per model and precision at batch 1 (or the smallest batch that series
// has). The latency axis turns logarithmic when values span more than
// tenfold. A dashed line marks opt.ThresholdMs, if set.
func LatencyVsContext(points []Point, opt Options) (*plot.Plot, error) {
	o := orderOf(points)
	groups := group(points, func(pt Point) bool {
		return isOK(pt) && pt.MsPerToken > 0 && pt.Context > 0 && pt.Batch > 0
	})
	if len(groups) == 0 {
		return nil, fmt.Errorf("charts: latency vs context: %w", ErrNoData)
	}
	batches := smallestBatches(groups)
	batch := mostCommon(tally(batches))

	var lines []line
	for _, k := range sortedKeys(o, groups) {
		l := line{k: k, label: batchLabel(k, batches[k], batch)}
		for _, pt := range groups[k] {
			if pt.Batch == batches[k] {
				l.xys = append(l.xys, plotter.XY{X: float64(pt.Context), Y: pt.MsPerToken})
			}
		}
		lines = append(lines, l)
	}
	ctx, lo, hi := extent(lines)
	if opt.ThresholdMs > 0 {
		lo, hi = math.Min(lo, opt.ThresholdMs), math.Max(hi, opt.ThresholdMs)
	}
	logY := useLogScale(lo, hi)

	p := newPlot(fmt.Sprintf("Decode latency vs context length (batch %d)", batch),
		"context (tokens)", "decode latency (ms/token)", opt)
	addGrid(p)
	lg := newLegendBox(true)
	addLines(p, lg, o, lines, logY)
	if opt.ThresholdMs > 0 {
		y := opt.ThresholdMs
		if logY {
			y = math.Log10(y)
		}
		l := hline(y, math.Log10(float64(ctx[0])), math.Log10(float64(ctx[len(ctx)-1])), thresholdColor)
		p.Add(l)
		lg.Add(fmt.Sprintf("interactive threshold (%s ms/token)", formatTick(opt.ThresholdMs)), l)
	}
	setValueTicks(&p.X, ctx)
	setValueAxis(&p.Y, lo, hi, logY)
	p.Add(lg)
	return p, nil
}

// ThroughputVsBatch draws decode throughput against batch size, one line
// per model and precision, at the context length measured most often.
func ThroughputVsBatch(points []Point, opt Options) (*plot.Plot, error) {
	o := orderOf(points)
	usable := func(pt Point) bool {
		return isOK(pt) && pt.TokensPerSec > 0 && pt.Context > 0 && pt.Batch > 0
	}
	count := map[int]int{}
	for _, pt := range points {
		if usable(pt) {
			count[pt.Context]++
		}
	}
	context := mostCommon(count)
	groups := group(points, func(pt Point) bool { return usable(pt) && pt.Context == context })
	if len(groups) == 0 {
		return nil, fmt.Errorf("charts: throughput vs batch: %w", ErrNoData)
	}

	var lines []line
	for _, k := range sortedKeys(o, groups) {
		l := line{k: k, label: k.name()}
		for _, pt := range groups[k] {
			l.xys = append(l.xys, plotter.XY{X: float64(pt.Batch), Y: pt.TokensPerSec})
		}
		lines = append(lines, l)
	}
	batches, lo, hi := extent(lines)
	logY := useLogScale(lo, hi)

	p := newPlot(fmt.Sprintf("Decode throughput vs batch size (context %d tokens)", context),
		"batch size (sequences)", "decode throughput (tokens/s)", opt)
	addGrid(p)
	lg := newLegendBox(true)
	addLines(p, lg, o, lines, logY)
	setValueTicks(&p.X, batches)
	setValueAxis(&p.Y, lo, hi, logY)
	p.Add(lg)
	return p, nil
}

// MemoryVsContext draws peak memory against context length, one line per
// model and precision at batch 1 (or the smallest batch that series has),
// with a dashed line at opt.MemoryBudgetBytes, if set. Runs that ran out
// of memory are marked with a bold × at the context where they failed, on
// the budget line (or above every measurement when there is no budget).
func MemoryVsContext(points []Point, opt Options) (*plot.Plot, error) {
	o := orderOf(points)
	groups := group(points, func(pt Point) bool {
		return (isOK(pt) && pt.PeakMemoryBytes > 0 || isOOM(pt)) && pt.Context > 0 && pt.Batch > 0
	})
	if len(groups) == 0 {
		return nil, fmt.Errorf("charts: memory vs context: %w", ErrNoData)
	}
	batches := smallestBatches(groups)
	batch := mostCommon(tally(batches))

	type failure struct {
		k       seriesKey
		context int
	}
	var (
		lines    []line
		failures []failure
		contexts = map[int]bool{}
	)
	for _, k := range sortedKeys(o, groups) {
		l := line{k: k, label: batchLabel(k, batches[k], batch)}
		for _, pt := range groups[k] {
			if pt.Batch != batches[k] {
				continue
			}
			contexts[pt.Context] = true
			if isOOM(pt) {
				failures = append(failures, failure{k, pt.Context})
				continue
			}
			l.xys = append(l.xys, plotter.XY{X: float64(pt.Context), Y: gigabytes(pt.PeakMemoryBytes)})
		}
		if len(l.xys) > 0 {
			lines = append(lines, l)
		}
	}
	ctx := sortedInts(contexts)
	_, _, top := extent(lines)
	if math.IsInf(top, 0) {
		top = 0
	}

	p := newPlot(fmt.Sprintf("Peak memory vs context length (batch %d)", batch),
		"context (tokens)", "peak memory (GB)", opt)
	addGrid(p)
	lg := newLegendBox(true)
	addLines(p, lg, o, lines, false)
	x0, x1 := math.Log10(float64(ctx[0])), math.Log10(float64(ctx[len(ctx)-1]))
	// Without a budget, failures go above every measurement.
	failY := top * 1.1
	budget := gigabytes(opt.MemoryBudgetBytes)
	switch {
	case opt.MemoryBudgetBytes > 0 && len(failures) == 0 && top > 0 && budget > 4*top:
		// A budget far above every run would squash the lines flat at the bottom; name it
		// instead of drawing it.
		p.Title.Text += fmt.Sprintf("\nthe %s GB memory budget is far above every run", formatTick(math.Round(budget*10)/10))
	case opt.MemoryBudgetBytes > 0:
		failY = budget
		l := hline(failY, x0, x1, budgetColor)
		p.Add(l)
		lg.Add(fmt.Sprintf("memory budget (%s GB)", formatTick(math.Round(failY*10)/10)), l)
	}
	if len(failures) > 0 {
		if failY == 0 {
			failY = 1 // only failures and no budget: any height will do
		}
		for _, f := range failures {
			ls, _ := seriesStyle(o, f.k)
			xy := plotter.XY{X: math.Log10(float64(f.context)), Y: failY}
			p.Add(&plotter.Scatter{XYs: plotter.XYs{xy}, GlyphStyle: oomGlyph(ls.Color)})
		}
		lg.Add("out of memory (× at the context that failed)", glyphThumb{oomGlyph(budgetColor)})
	}
	setValueTicks(&p.X, ctx)
	// Memory starts at zero so that models compare honestly; the headroom
	// keeps the budget line and its × marks off the top edge.
	setLinearAxis(&p.Y, math.Max(top, failY)*1.05)
	p.Add(lg)
	return p, nil
}

func gigabytes(b int64) float64 { return float64(b) / 1e9 }

// group collects the points that keep accepts by series.
func group(points []Point, keep func(Point) bool) map[seriesKey][]Point {
	g := map[seriesKey][]Point{}
	for _, pt := range points {
		if keep(pt) {
			k := seriesKey{pt.Model, pt.Precision, pt.Predicted}
			g[k] = append(g[k], pt)
		}
	}
	return g
}

// sortedKeys orders series by model, then precision, measured before
// predicted, so legends read the same on every chart.
func sortedKeys(o order, groups map[seriesKey][]Point) []seriesKey {
	keys := make([]seriesKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if o.model[a.model] != o.model[b.model] {
			return o.model[a.model] < o.model[b.model]
		}
		if o.precision[a.precision] != o.precision[b.precision] {
			return o.precision[a.precision] < o.precision[b.precision]
		}
		return !a.predicted && b.predicted
	})
	return keys
}

// smallestBatches returns each series' smallest batch: batch 1 where it
// was measured, since that is the latency a single user sees.
func smallestBatches(groups map[seriesKey][]Point) map[seriesKey]int {
	m := map[seriesKey]int{}
	for k, pts := range groups {
		for _, pt := range pts {
			if b, ok := m[k]; !ok || pt.Batch < b {
				m[k] = pt.Batch
			}
		}
	}
	return m
}

// mostCommon returns the key with the highest count, the smaller on ties.
func mostCommon(counts map[int]int) int {
	best, bestN := 0, -1
	for v, n := range counts {
		if n > bestN || n == bestN && v < best {
			best, bestN = v, n
		}
	}
	return best
}

// tally counts how many series use each batch.
func tally(batches map[seriesKey]int) map[int]int {
	counts := map[int]int{}
	for _, b := range batches {
		counts[b]++
	}
	return counts
}

// batchLabel names a series, noting its batch when it differs from the
// one in the title.
func batchLabel(k seriesKey, b, titleBatch int) string {
	if b == titleBatch {
		return k.name()
	}
	return fmt.Sprintf("%s, batch %d", k.name(), b)
}

func sortByX(xys plotter.XYs) {
	sort.Slice(xys, func(i, j int) bool { return xys[i].X < xys[j].X })
}

// setValueAxis sets a measured quantity's axis over [lo, hi].
func setValueAxis(a *plot.Axis, lo, hi float64, log bool) {
	if log {
		setLogAxis(a, lo/1.1, hi*1.1)
		return
	}
	setLinearAxis(a, hi)
}

// line is one series of a line chart, in data units.
type line struct {
	k     seriesKey
	label string
	xys   plotter.XYs
}

// extent returns the distinct x values of lines, as integers, and the
// range of their y values.
func extent(lines []line) (xs []int, lo, hi float64) {
	set := map[int]bool{}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, l := range lines {
		for _, xy := range l.xys {
			set[int(xy.X)] = true
			lo, hi = math.Min(lo, xy.Y), math.Max(hi, xy.Y)
		}
	}
	return sortedInts(set), lo, hi
}

// addLines draws lines over a log x axis and, if logY, a log y axis.
func addLines(p *plot.Plot, lg *legendBox, o order, lines []line, logY bool) {
	for _, l := range lines {
		xys := logXYs(l.xys, true, logY)
		sortByX(xys)
		addSeries(p, lg, o, l.k, xys, l.label)
	}
}
