package charts

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// LatencyVsContext draws decode latency against context length (on a log2
// axis, where doublings are evenly spaced), one line per model and
// precision at batch 1 (or the smallest batch that series has). The
// latency axis turns logarithmic when values span more than tenfold. A
// dashed line marks opt.ThresholdMs, if set. Many series are drawn as one
// panel per model.
func LatencyVsContext(points []Point, opt Options) (Figure, error) {
	const title = "Decode latency vs context length"
	o := orderOf(points, opt)
	groups := group(points, func(pt Point) bool {
		return isOK(pt) && pt.MsPerToken > 0 && pt.Context > 0 && pt.Batch > 0
	})
	if len(groups) == 0 {
		return nil, noData(title, "No run has a decode latency: every run failed, or generated a single token (decode needs two or more).")
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
	// A threshold far above every run would squash the lines flat at the bottom; name it
	// instead of drawing it, as the memory chart does its budget.
	far := opt.ThresholdMs > 4*hi
	if opt.ThresholdMs > 0 && !far {
		lo, hi = math.Min(lo, opt.ThresholdMs), math.Max(hi, opt.ThresholdMs)
	}
	logY := useLogScale(lo, hi)
	figTitle := fmt.Sprintf("%s (batch %d)", title, batch)
	if opt.ThresholdMs > 0 && far {
		figTitle += fmt.Sprintf("\nevery run is far under the %s ms/token interactive threshold", formatTick(opt.ThresholdMs))
	}
	fig := lineFigure{
		o: o, opt: opt, title: figTitle,
		xLabel: "context (tokens, log2 scale)", yLabel: "decode latency (ms/token)",
		lines: lines, logY: logY,
		axes: func(p *plot.Plot) {
			setContextTicks(&p.X, ctx)
			setValueAxis(&p.Y, lo, hi, logY)
		},
	}
	if opt.ThresholdMs > 0 && !far {
		y := opt.ThresholdMs
		if logY {
			y = math.Log10(y)
		}
		fig.refs = append(fig.refs, ref{y: y, label: fmt.Sprintf("interactive threshold (%s ms/token)", formatTick(opt.ThresholdMs)), color: thresholdColor})
	}
	fig.x0, fig.x1 = math.Log10(float64(ctx[0])), math.Log10(float64(ctx[len(ctx)-1]))
	return fig.build(), nil
}

// ThroughputVsBatch draws decode throughput against batch size, one line
// per model and precision, at the context length measured most often.
func ThroughputVsBatch(points []Point, opt Options) (Figure, error) {
	const title = "Decode throughput vs batch size"
	o := orderOf(points, opt)
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
		return nil, noData(title, "No run has a decode throughput: every run failed, or generated a single token.")
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
	fig := lineFigure{
		o: o, opt: opt, title: fmt.Sprintf("%s (context %d tokens)", title, context),
		xLabel: "batch size (sequences)", yLabel: "decode throughput (tokens/s)",
		lines: lines, logY: logY,
		axes: func(p *plot.Plot) {
			setValueTicks(&p.X, batches)
			setValueAxis(&p.Y, lo, hi, logY)
		},
	}
	if len(batches) == 1 {
		fig.title += fmt.Sprintf(": only batch %d was measured", batches[0])
	}
	return fig.build(), nil
}

// MemoryVsContext draws peak memory against context length, one line per
// model and precision at batch 1 (or the smallest batch that series has),
// with a dashed line at opt.MemoryBudgetBytes, if set. Runs that ran out
// of memory are marked with a bold × at the context where they failed, on
// the budget line (or above every measurement when there is no budget).
func MemoryVsContext(points []Point, opt Options) (Figure, error) {
	const title = "Peak memory vs context length"
	o := orderOf(points, opt)
	groups := group(points, func(pt Point) bool {
		return (isOK(pt) && pt.PeakMemoryBytes > 0 || isOOM(pt)) && pt.Context > 0 && pt.Batch > 0
	})
	if len(groups) == 0 {
		return nil, noData(title, "No run recorded its peak memory, and none ran out of memory.")
	}
	batches := smallestBatches(groups)
	batch := mostCommon(tally(batches))
	var (
		lines    []line
		failures []mark
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
				failures = append(failures, mark{k: k, x: math.Log10(float64(pt.Context))})
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
	fig := lineFigure{
		o: o, opt: opt, title: fmt.Sprintf("%s (batch %d)", title, batch),
		xLabel: "context (tokens, log2 scale)", yLabel: "peak memory (GB)", lines: lines,
	}
	fig.x0, fig.x1 = math.Log10(float64(ctx[0])), math.Log10(float64(ctx[len(ctx)-1]))
	// Without a budget, failures go above every measurement.
	failY := top * 1.1
	budget := gigabytes(opt.MemoryBudgetBytes)
	switch {
	case opt.MemoryBudgetBytes > 0 && len(failures) == 0 && top > 0 && budget > 4*top:
		// A budget far above every run would squash the lines flat at the bottom; name it
		// instead of drawing it.
		fig.title += fmt.Sprintf("\n%s memory budget, %s GB, is far above every run", opt.budgetName(), formatTick(math.Round(budget*10)/10))
	case opt.MemoryBudgetBytes > 0:
		failY = budget
		fig.refs = append(fig.refs, ref{y: failY, label: fmt.Sprintf("%s memory budget (%s GB)", opt.budgetName(), formatTick(math.Round(failY*10)/10)), color: budgetColor})
	}
	if failY == 0 {
		failY = 1 // only failures and no budget: any height will do
	}
	for i := range failures {
		failures[i].y = failY
	}
	fig.marks = failures
	fig.axes = func(p *plot.Plot) {
		setContextTicks(&p.X, ctx)
		// Memory starts at zero so that models compare honestly; the headroom
		// keeps the budget line and its × marks off the top edge.
		setLinearAxis(&p.Y, math.Max(top, failY)*1.05)
	}
	return fig.build(), nil
}

// ref is a horizontal reference line: a threshold or a budget.
type ref struct {
	y     float64 // in plot coordinates
	label string
	color color.Color
}

// mark is an out-of-memory failure, in plot coordinates.
type mark struct {
	k    seriesKey
	x, y float64
}

// lineFigure is a line chart, drawn as one plot or, with more series than
// a legend can carry, as one panel per model on shared axes.
type lineFigure struct {
	o              order
	opt            Options
	title          string
	xLabel, yLabel string
	lines          []line
	logY           bool
	refs           []ref
	marks          []mark
	x0, x1         float64 // the reference lines' extent
	axes           func(p *plot.Plot)
}

func (f lineFigure) build() Figure {
	models := map[string]bool{}
	for _, l := range f.lines {
		models[l.k.model] = true
	}
	for _, m := range f.marks {
		models[m.k.model] = true
	}
	if len(f.lines) <= maxSeriesPerPlot || len(models) < 2 {
		p := newPlot(f.title, f.xLabel, f.yLabel, f.opt)
		f.draw(p, newLegendBox(true), f.lines, f.marks, true)
		return p
	}
	f.o.thin = true
	var plots []*plot.Plot
	for _, model := range f.o.models {
		if !models[model] {
			continue
		}
		var ls []line
		for _, l := range f.lines {
			if l.k.model == model {
				l.label = l.k.precision
				if l.k.predicted {
					l.label += " (predicted)"
				}
				ls = append(ls, l)
			}
		}
		var ms []mark
		for _, m := range f.marks {
			if m.k.model == model {
				ms = append(ms, m)
			}
		}
		// Axis labels once, in the title: a rotated label taller than a small panel makes
		// gonum/plot squeeze the data area to nothing to make room for it.
		p := newPlot(model, "", "", Options{})
		p.Title.TextStyle.Font.Size = vg.Points(11)
		p.Title.Padding = vg.Points(3)
		p.X.Label.TextStyle.Font.Size = vg.Points(8)
		p.Y.Label.TextStyle.Font.Size = vg.Points(8)
		p.X.Tick.Label.Font.Size = vg.Points(7)
		p.Y.Tick.Label.Font.Size = vg.Points(7)
		f.draw(p, nil, ls, ms, false)
		plots = append(plots, p)
	}
	title := f.title
	if f.opt.Title != "" {
		title += " — " + f.opt.Title
	}
	title += "\n" + f.yLabel + " against " + f.xLabel
	// One key for every panel: the precisions' dashes and glyphs in grey, the reference lines.
	key := plot.NewLegend()
	key.TextStyle.Font = font.From(sans, 9)
	key.ThumbnailWidth = vg.Points(24)
	grey := order{model: map[string]int{}, precision: f.o.precision, thin: true}
	seen := map[seriesKey]bool{}
	for _, pr := range f.o.precisions {
		for _, l := range f.lines {
			k := seriesKey{precision: l.k.precision, predicted: l.k.predicted}
			if l.k.precision != pr || seen[k] {
				continue
			}
			seen[k] = true
			ls, gs := seriesStyle(grey, k)
			ls.Color, gs.Color = budgetColor, budgetColor
			name := pr
			if k.predicted {
				name += " (predicted)"
			}
			key.Add(name, &plotter.Line{LineStyle: ls}, &plotter.Scatter{GlyphStyle: gs})
		}
	}
	for _, r := range f.refs {
		key.Add(r.label, hline(0, 0, 1, r.color))
	}
	if len(f.marks) > 0 {
		key.Add("out of memory (× at the context that failed)", glyphThumb{oomGlyph(budgetColor)})
	}

	key.Left = true
	return &panels{title: title, plots: plots, key: &key}
}

// draw adds lines, reference lines and failure marks to p, and lg, when there is one.
func (f lineFigure) draw(p *plot.Plot, lg *legendBox, lines []line, marks []mark, refsInLegend bool) {
	addGrid(p)
	if lg == nil {
		lg = newLegendBox(false) // not added: the figure's key stands for it
	} else {
		defer p.Add(lg)
	}
	addLines(p, lg, f.o, lines, f.logY)
	for _, r := range f.refs {
		l := hline(r.y, f.x0, f.x1, r.color)
		p.Add(l)
		if refsInLegend {
			lg.Add(r.label, l)
		}
	}
	for _, m := range marks {
		ls, _ := seriesStyle(f.o, m.k)
		p.Add(&plotter.Scatter{XYs: plotter.XYs{{X: m.x, Y: m.y}}, GlyphStyle: oomGlyph(ls.Color)})
	}
	if len(marks) > 0 && refsInLegend {
		lg.Add("out of memory (× at the context that failed)", glyphThumb{oomGlyph(budgetColor)})
	}
	f.axes(p)
}
