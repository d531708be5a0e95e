package charts

import (
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Sans-serif text reads better than the default serif at small sizes.
var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
)

// Model colours come from plotutil's dark set, reordered so that the first
// three (blue, orange, green) stay distinct for colour-blind readers and
// the two reds are far apart.
var modelColors = []color.Color{
	plotutil.DarkColors[2],
	plotutil.DarkColors[3],
	plotutil.DarkColors[1],
	plotutil.DarkColors[4],
	plotutil.DarkColors[0],
	plotutil.DarkColors[6],
	plotutil.DarkColors[5],
}

// Each precision has a filled glyph for measured points and the hollow
// version for predicted ones, so the two read as the same series.
var (
	filledGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, boldPlus{}, boldCross{}}
	hollowGlyphs = []draw.GlyphDrawer{draw.RingGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, boldPlus{}, boldCross{}}
)

var (
	gridColor      = color.Gray{Y: 225}
	thresholdColor = color.RGBA{R: 200, G: 30, B: 30, A: 255}
	budgetColor    = color.RGBA{R: 90, G: 90, B: 90, A: 255}
)

func modelColor(i int) color.Color { return modelColors[i%len(modelColors)] }

// fade makes predicted series lighter than measured ones.
func fade(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 150}
}

// newPlot returns a plot with Inferbench's fonts and the given labels.
func newPlot(title, xLabel, yLabel string, opt Options) *plot.Plot {
	p := plot.New()
	p.Title.TextStyle.Font = font.From(sansBold, 14)
	if opt.Title != "" {
		// On one line if it fits, else on a line of its own.
		sep := " — "
		if p.Title.TextStyle.Width(title+sep+opt.Title) > width-vg.Points(40) {
			sep = "\n"
		}
		title += sep + opt.Title
	}
	p.Title.Text = title
	p.Title.Padding = vg.Points(10)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 12)
		a.Label.Padding = vg.Points(4)
		a.Tick.Label.Font = font.From(sans, 10)
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	return p
}

// addGrid adds light grid lines at the major ticks. It is added first so
// that the data is drawn over it.
func addGrid(p *plot.Plot) {
	g := plotter.NewGrid()
	g.Vertical.Color = gridColor
	g.Horizontal.Color = gridColor
	p.Add(g)
}

// order fixes the order of models and precisions across all charts drawn
// from the same points, so that a model keeps its colour from chart to
// chart. Models keep the order in which they first appear (callers list
// them by size); precisions go from most to fewest bits.
type order struct {
	models, precisions []string
	model, precision   map[string]int
	thin               bool // small panels: thinner lines and smaller glyphs
}

func orderOf(points []Point, opt Options) order {
	o := order{model: map[string]int{}, precision: map[string]int{}}
	// The models of Options come first, so that every chart drawn with the
	// same Options gives a model the same colour, whatever it draws.
	for _, m := range opt.Models {
		if _, ok := o.model[m]; !ok {
			o.model[m] = len(o.models)
			o.models = append(o.models, m)
		}
	}
	for _, pt := range points {
		if _, ok := o.model[pt.Model]; !ok {
			o.model[pt.Model] = len(o.models)
			o.models = append(o.models, pt.Model)
		}
		if _, ok := o.precision[pt.Precision]; !ok {
			o.precision[pt.Precision] = len(o.precisions)
			o.precisions = append(o.precisions, pt.Precision)
		}
	}
	sort.SliceStable(o.precisions, func(i, j int) bool {
		return bitsOf(o.precisions[i]) > bitsOf(o.precisions[j])
	})
	for i, p := range o.precisions {
		o.precision[p] = i
	}
	return o
}

// bitsOf reads the bit width in a precision name such as "fp16", "int4",
// "q8_0" or "4bit"; names without a number sort last.
func bitsOf(precision string) int {
	start := strings.IndexAny(precision, "0123456789")
	if start < 0 {
		return 0
	}
	end := start
	for end < len(precision) && precision[end] >= '0' && precision[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(precision[start:end])
	return n
}

func isOK(pt Point) bool { return pt.Status == "" || strings.EqualFold(pt.Status, "ok") }

func isOOM(pt Point) bool { return strings.EqualFold(pt.Status, "oom") }

// seriesKey identifies one line on a chart.
type seriesKey struct {
	model, precision string
	predicted        bool
}

func (k seriesKey) name() string {
	s := k.model + ", " + k.precision
	if k.predicted {
		s += " (predicted)"
	}
	return s
}

// seriesStyle gives a series its colour by model and its dashes and glyph
// by precision, so each series differs from the rest in at least one.
func seriesStyle(o order, k seriesKey) (draw.LineStyle, draw.GlyphStyle) {
	c := modelColor(o.model[k.model])
	pi := o.precision[k.precision]
	glyphs := filledGlyphs
	if k.predicted {
		c = fade(c)
		glyphs = hollowGlyphs
	}
	ls := draw.LineStyle{Color: c, Width: vg.Points(2), Dashes: plotutil.Dashes(pi)}
	gs := draw.GlyphStyle{Color: c, Radius: vg.Points(3.5), Shape: glyphs[pi%len(glyphs)]}
	if o.thin {
		ls.Width, gs.Radius = vg.Points(1.2), vg.Points(2.2)
	}
	return ls, gs
}

// addSeries draws xys as a line with glyphs and lists it in the legend.
// Predicted series are glyphs alone: a line is drawn only over a range that
// was measured.
func addSeries(p *plot.Plot, lg *legendBox, o order, k seriesKey, xys plotter.XYs, label string) {
	ls, gs := seriesStyle(o, k)
	scatter := &plotter.Scatter{XYs: xys, GlyphStyle: gs}
	if k.predicted {
		p.Add(scatter)
		lg.Add(label, scatter)
		lg.avoid(xys, false)
		return
	}
	line := &plotter.Line{XYs: xys, LineStyle: ls}
	p.Add(line, scatter)
	lg.Add(label, line, scatter)
	lg.avoid(xys, true)
}

// hline draws a dashed horizontal reference line at y across [x0, x1].
func hline(y, x0, x1 float64, c color.Color) *plotter.Line {
	return &plotter.Line{
		XYs: plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}},
		LineStyle: draw.LineStyle{
			Color:  c,
			Width:  vg.Points(1.5),
			Dashes: []vg.Length{vg.Points(7), vg.Points(4)},
		},
	}
}

// useLogScale reports whether values spanning [lo, hi] read better on a
// log axis: past a tenfold range a linear axis squeezes the small values
// against zero.
func useLogScale(lo, hi float64) bool { return lo > 0 && hi/lo > 10 }

// Log axes are drawn as linear axes over log10 of the data, with ticks
// labelled in data units. plot.LogScale would do the drawing, but in
// gonum/plot v0.17.0 the axis label's glyph box sits at the arithmetic
// mean of the range, which on a log axis lies near its far end, and the
// plot then leaves a wide empty margin to make room for it.

// logXYs returns xys with X, Y or both replaced by their log10.
func logXYs(xys plotter.XYs, logX, logY bool) plotter.XYs {
	out := make(plotter.XYs, len(xys))
	for i, xy := range xys {
		if logX {
			xy.X = math.Log10(xy.X)
		}
		if logY {
			xy.Y = math.Log10(xy.Y)
		}
		out[i] = xy
	}
	return out
}

// setLogAxis makes a a log axis over [lo, hi], in data units.
func setLogAxis(a *plot.Axis, lo, hi float64) {
	a.Tick.Marker = logTicks{}
	a.Min, a.Max = math.Log10(lo), math.Log10(hi)
}

// setLinearAxis makes a a linear axis from zero, so that differences are
// not exaggerated, up to a little above hi.
func setLinearAxis(a *plot.Axis, hi float64) {
	a.Tick.Marker = linearTicks{}
	a.Min, a.Max = 0, hi*1.05
}

// setContextTicks makes a a log2 axis of context lengths: doublings are
// evenly spaced and labelled at powers of two, so that nearby contexts such
// as 960 and 1024 never overprint; each measured context gets a tick mark.
func setContextTicks(a *plot.Axis, values []int) {
	lo, hi := float64(values[0]), float64(values[len(values)-1])
	if lo == hi {
		lo, hi = lo/2, hi*2
	}
	var ticks []plot.Tick
	labelled := map[int]bool{}
	for e := int(math.Floor(math.Log2(lo))); e <= int(math.Ceil(math.Log2(hi))); e++ {
		v := math.Exp2(float64(e))
		if v >= lo/1.01 && v <= hi*1.01 {
			ticks = append(ticks, plot.Tick{Value: math.Log10(v), Label: strconv.Itoa(int(v))})
			labelled[int(v)] = true
		}
	}
	if len(ticks) > 6 {
		// Crowded: label every other doubling, counting down from the largest.
		for i := range ticks {
			if (len(ticks)-1-i)%2 == 1 {
				ticks[i].Label = ""
			}
		}
	}
	if len(ticks) < 2 {
		// A range within one doubling: label its ends.
		ticks = []plot.Tick{{Value: math.Log10(lo), Label: strconv.Itoa(int(lo))}, {Value: math.Log10(hi), Label: strconv.Itoa(int(hi))}}
	}
	for _, v := range values {
		if !labelled[v] {
			ticks = append(ticks, plot.Tick{Value: math.Log10(float64(v))})
		}
	}
	a.Tick.Marker = plot.ConstantTicks(ticks)
	a.Min, a.Max = math.Log10(lo)-0.03, math.Log10(hi)+0.03
}

// setValueTicks makes a a log axis labelled at exactly the values
// measured (context lengths, batch sizes), where doublings are evenly
// spaced.
func setValueTicks(a *plot.Axis, values []int) {
	ticks := make([]plot.Tick, len(values))
	for i, v := range values {
		ticks[i] = plot.Tick{Value: math.Log10(float64(v)), Label: strconv.Itoa(v)}
	}
	a.Tick.Marker = plot.ConstantTicks(ticks)
	lo, hi := float64(values[0]), float64(values[len(values)-1])
	if lo == hi {
		// One value: give it room either side.
		lo, hi = lo/2, hi*2
	}
	a.Min, a.Max = math.Log10(lo), math.Log10(hi)
}

// logTicks ticks an axis drawn over log10 of the data. It labels 1, 2 and
// 5 times each power of ten (and 3 on short ranges), unlike plot.LogTicks,
// which labels only the powers of ten and so may leave an axis spanning a
// decade or less with a single number.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Pow(10, min), math.Pow(10, max)
	labelled := map[int]bool{1: true, 2: true, 5: true}
	switch decades := max - min; {
	case decades > 3:
		labelled = map[int]bool{1: true}
	case decades <= 1.5:
		labelled[3] = true
	}
	var ticks []plot.Tick
	n := 0
	for e := int(math.Floor(min)); e <= int(math.Ceil(max)); e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow10(e)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: math.Log10(v)}
			if labelled[m] {
				t.Label = formatTick(v)
				n++
			}
			ticks = append(ticks, t)
		}
	}
	if n < 2 {
		// Too narrow a range for those labels: label every tick.
		for i := range ticks {
			ticks[i].Label = formatTick(math.Pow(10, ticks[i].Value))
		}
	}
	return ticks
}

// linearTicks labels a linear axis at round steps (1, 2, 2.5 or 5 times a
// power of ten) giving four to eight labels; plot.DefaultTicks aims for
// three, too few to read values off.
type linearTicks struct{}

func (linearTicks) Ticks(min, max float64) []plot.Tick {
	if max <= min {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	raw := (max - min) / 6
	mag := math.Pow10(int(math.Floor(math.Log10(raw))))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []plot.Tick
	for i := math.Ceil(min / step); i*step <= max+step*1e-9; i++ {
		v := i * step
		ticks = append(ticks, plot.Tick{Value: v, Label: formatTick(v)})
	}
	return ticks
}

// formatTick prints a tick value without float noise or exponents.
func formatTick(v float64) string {
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// sortedInts returns the distinct values of set in increasing order.
func sortedInts(set map[int]bool) []int {
	s := make([]int, 0, len(set))
	for v := range set {
		s = append(s, v)
	}
	sort.Ints(s)
	return s
}

func oomGlyph(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: vg.Points(6), Shape: boldCross{}}
}

// boldCross and boldPlus are glyphs thick enough to see next to 2pt lines;
// draw.CrossGlyph and draw.PlusGlyph are hairlines.
type boldCross struct{}

func (boldCross) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(2.5)})
	r := sty.Radius * 0.7
	var p vg.Path
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y + r})
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y - r})
	c.Stroke(p)
}

type boldPlus struct{}

func (boldPlus) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(2)})
	r := sty.Radius
	var p vg.Path
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X, Y: pt.Y + r})
	c.Stroke(p)
}
