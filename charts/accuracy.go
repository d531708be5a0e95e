package charts

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// quantities names what each unit Inferbench reports measures, so that
// axes can say "measured decode latency (ms/token)" rather than only the
// unit.
var quantities = map[string]string{
	"ms/token": "decode latency",
	"tokens/s": "decode throughput",
	"ms":       "time to first token",
	"GB":       "peak memory",
}

// Beyond this many distinct labels a legend stops helping; the points are
// drawn as one series and only the worst predictions are labelled.
const (
	maxLabelGroups = 8
	maxOutliers    = 8
)

// PredictedVsMeasured draws each pair's predicted value against its
// measured value on log-log axes, with the line y = x and a band of ±10%
// around it. Pairs whose values are not both positive are left out, as
// log axes cannot show them.
func PredictedVsMeasured(pairs []Pair, unit string, opt Options) (Figure, error) {
	var good []Pair
	for _, pr := range pairs {
		if pr.Measured > 0 && pr.Predicted > 0 && !math.IsInf(pr.Measured, 0) && !math.IsInf(pr.Predicted, 0) {
			good = append(good, pr)
		}
	}
	if len(good) == 0 {
		what := quantities[unit]
		if what == "" {
			what = unit
		}
		return nil, noData("Predicted vs measured "+what,
			"There are no held-out predictions to compare: the advisor needs successful runs of at least 8 configurations of 2 or more models to fit and cross-validate a model.")
	}

	quantity := quantities[unit]
	within := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, pr := range good {
		if relErr(pr) <= 0.10 {
			within++
		}
		lo = math.Min(lo, math.Min(pr.Measured, pr.Predicted))
		hi = math.Max(hi, math.Max(pr.Measured, pr.Predicted))
	}
	// Leave room past the extremes for the band and the glyphs.
	lo, hi = lo/1.25, hi*1.25

	what := quantity
	if what == "" {
		what = unit
	}
	title := fmt.Sprintf("Predicted vs measured %s: %d of %d within ±10%%\neach run predicted by a model fitted without it (cross-validated)", what, within, len(good))
	axis := func(side string) string {
		s := side
		if quantity != "" {
			s += " " + quantity
		}
		if unit != "" {
			s += " (" + unit + ")"
		}
		return s
	}
	p := newPlot(title, axis("measured"), axis("predicted"), opt)
	addGrid(p)
	lg := newLegendBox(false)

	// Everything is drawn over log10 of the values; see logXYs.
	llo, lhi := math.Log10(lo), math.Log10(hi)
	tol := math.Log10(1.1)
	band, err := plotter.NewPolygon(plotter.XYs{
		{X: llo, Y: llo + math.Log10(0.9)}, {X: lhi, Y: lhi + math.Log10(0.9)},
		{X: lhi, Y: lhi + tol}, {X: llo, Y: llo + tol},
	})
	if err != nil {
		return nil, fmt.Errorf("charts: predicted vs measured %s: %w", unit, err)
	}
	band.Color = color.NRGBA{R: 90, G: 155, B: 212, A: 60}
	band.LineStyle.Width = 0
	diag := &plotter.Line{
		XYs:       plotter.XYs{{X: llo, Y: llo}, {X: lhi, Y: lhi}},
		LineStyle: draw.LineStyle{Color: color.Gray{Y: 60}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}},
	}
	p.Add(band, diag)
	lg.Add("perfect prediction (y = x)", diag)
	lg.Add("within ±10%", band)
	lg.avoid(diag.XYs, true)

	xy := func(pr Pair) plotter.XY {
		return plotter.XY{X: math.Log10(pr.Measured), Y: math.Log10(pr.Predicted)}
	}
	labels := distinctLabels(good)
	models := distinctModels(good)
	if len(models) > 0 && len(models) <= maxLabelGroups {
		// One colour per model, the same as on the other charts.
		o := orderOf(nil, Options{Models: append(append([]string{}, opt.Models...), models...)})
		all := xysOf(good, xy)
		present := map[string]bool{}
		for _, m := range models {
			present[m] = true
		}
		for _, m := range o.models { // in the order the other charts list them
			if !present[m] {
				continue
			}
			var xys plotter.XYs
			for _, pr := range good {
				if pr.Model == m {
					xys = append(xys, xy(pr))
				}
			}
			s := &plotter.Scatter{XYs: xys, GlyphStyle: draw.GlyphStyle{
				Color: modelColor(o.model[m]), Radius: vg.Points(3.5), Shape: draw.CircleGlyph{},
			}}
			p.Add(s)
			lg.Add(m, s)
			lg.avoid(xys, false)
		}
		if out := outliers(good); len(out) > 0 {
			notes := &notes{others: all}
			for _, pr := range out[:min(len(out), 5)] {
				notes.add(xy(pr), fmt.Sprintf("%s (%+.0f%%)", pr.Label, 100*(pr.Predicted/pr.Measured-1)))
			}
			p.Add(notes)
			lg.avoid(notes.xys, false)
		}
	} else if len(labels) <= maxLabelGroups {
		for i, l := range labels {
			var xys plotter.XYs
			for _, pr := range good {
				if pr.Label == l {
					xys = append(xys, xy(pr))
				}
			}
			s := &plotter.Scatter{XYs: xys, GlyphStyle: draw.GlyphStyle{
				Color: modelColor(i), Radius: vg.Points(4), Shape: filledGlyphs[i%len(filledGlyphs)],
			}}
			p.Add(s)
			if l == "" {
				l = "unlabelled"
			}
			lg.Add(l, s)
			lg.avoid(xys, false)
		}
	} else {
		xys := make(plotter.XYs, len(good))
		for i, pr := range good {
			xys[i] = xy(pr)
		}
		s := &plotter.Scatter{XYs: xys, GlyphStyle: draw.GlyphStyle{
			Color: modelColor(0), Radius: vg.Points(3.5), Shape: draw.CircleGlyph{},
		}}
		p.Add(s)
		lg.Add("configuration", s)
		lg.avoid(xys, false)
		if out := outliers(good); len(out) > 0 {
			notes := &notes{others: xys}
			for _, pr := range out {
				notes.add(xy(pr), fmt.Sprintf("%s (%+.0f%%)", pr.Label, 100*(pr.Predicted/pr.Measured-1)))
			}
			p.Add(notes)
			lg.avoid(notes.xys, false)
		}
	}

	setLogAxis(&p.X, lo, hi)
	setLogAxis(&p.Y, lo, hi)
	p.Add(lg)
	return p, nil
}

func xysOf(pairs []Pair, xy func(Pair) plotter.XY) plotter.XYs {
	out := make(plotter.XYs, len(pairs))
	for i, pr := range pairs {
		out[i] = xy(pr)
	}
	return out
}

// distinctModels lists the pairs' models in order of appearance; none when
// any pair lacks one.
func distinctModels(pairs []Pair) []string {
	seen := map[string]bool{}
	var models []string
	for _, pr := range pairs {
		if pr.Model == "" {
			return nil
		}
		if !seen[pr.Model] {
			seen[pr.Model] = true
			models = append(models, pr.Model)
		}
	}
	return models
}

// relErr is the prediction's error relative to the measurement.
func relErr(pr Pair) float64 { return math.Abs(pr.Predicted/pr.Measured - 1) }

func distinctLabels(pairs []Pair) []string {
	seen := map[string]bool{}
	var labels []string
	for _, pr := range pairs {
		if !seen[pr.Label] {
			seen[pr.Label] = true
			labels = append(labels, pr.Label)
		}
	}
	return labels
}

// outliers returns the worst predictions outside the ±10% band, worst
// first: the ones a reader will want to look up.
func outliers(pairs []Pair) []Pair {
	var out []Pair
	for _, pr := range pairs {
		if relErr(pr) > 0.10 && pr.Label != "" {
			out = append(out, pr)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return relErr(out[i]) > relErr(out[j]) })
	if len(out) > maxOutliers {
		out = out[:maxOutliers]
	}
	return out
}

// notes labels points with short texts on a white ground, placing each
// beside its point where it overlaps no earlier note and dropping those
// that fit nowhere; plotter.Labels draws every label at one offset, and
// labels of nearby points then overprint each other.
type notes struct {
	xys    plotter.XYs
	texts  []string
	others plotter.XYs // points that notes should rather not cover
}

func (n *notes) add(xy plotter.XY, text string) {
	n.xys = append(n.xys, xy)
	n.texts = append(n.texts, text)
}

func (n *notes) Plot(c draw.Canvas, p *plot.Plot) {
	sty := text.Style{
		Color:   color.Gray{Y: 30},
		Font:    font.From(sans, 9),
		Handler: plot.DefaultTextHandler,
	}
	trX, trY := p.Transforms(&c)
	const gap, pad, r = vg.Length(6), vg.Length(2), vg.Length(4)
	var placed, points []vg.Rectangle
	for _, xy := range n.others {
		pt := vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		points = append(points, vg.Rectangle{Min: pt.Sub(vg.Point{X: r, Y: r}), Max: pt.Add(vg.Point{X: r, Y: r})})
	}
	for i, txt := range n.texts {
		pt := vg.Point{X: trX(n.xys[i].X), Y: trY(n.xys[i].Y)}
		w, h := sty.Width(txt), sty.Height(txt)
		// Right of the point, left of it, then above and below; clear of
		// other points if possible, and always clear of other notes.
		spots := []vg.Point{
			{X: pt.X + gap, Y: pt.Y - h/2},
			{X: pt.X - gap - w, Y: pt.Y - h/2},
			{X: pt.X - w/2, Y: pt.Y + gap},
			{X: pt.X - w/2, Y: pt.Y - gap - h},
		}
	search:
		for _, strict := range []bool{true, false} {
			for _, at := range spots {
				box := vg.Rectangle{Min: at.Sub(vg.Point{X: pad, Y: pad}), Max: at.Add(vg.Point{X: w + pad, Y: h + pad})}
				if !c.Contains(box.Min) || !c.Contains(box.Max) || overlapsAny(box, placed) || strict && overlapsAny(box, points) {
					continue
				}
				placed = append(placed, box)
				c.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 210})
				c.Fill(box.Path())
				c.FillText(sty, at, txt)
				break search
			}
		}
	}
}

func overlapsAny(r vg.Rectangle, rs []vg.Rectangle) bool {
	for _, o := range rs {
		if r.Min.X < o.Max.X && o.Min.X < r.Max.X && r.Min.Y < o.Max.Y && o.Min.Y < r.Max.Y {
			return true
		}
	}
	return false
}
