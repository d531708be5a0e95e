package charts

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendBox is a legend on a white box. plot.Legend draws its text straight
// over the data, where it is hard to read; legendBox either sits in the
// corner of the data area that hides the least data or, when outside is
// set, to the right of the data area, which it narrows to make room.
type legendBox struct {
	plot.Legend
	outside bool
	points  [][]vg.Point // data to keep clear of, in data coordinates
	lines   []bool       // whether points[i] is joined by lines
}

func newLegendBox(outside bool) *legendBox {
	l := &legendBox{Legend: plot.NewLegend(), outside: outside}
	l.TextStyle.Font = font.From(sans, 10)
	l.Top, l.Left = true, true
	l.ThumbnailWidth = vg.Points(28)
	l.Padding = vg.Points(2)
	return l
}

func (l *legendBox) avoid(xys plotter.XYs, joined bool) {
	pts := make([]vg.Point, len(xys))
	for i, xy := range xys {
		pts[i] = vg.Point{X: vg.Length(xy.X), Y: vg.Length(xy.Y)}
	}
	l.points = append(l.points, pts)
	l.lines = append(l.lines, joined)
}

const (
	legendMargin  = vg.Length(8) // between the box and the data area's edge
	legendPadding = vg.Length(5) // between the box and its entries
)

// size returns the width and height of the box.
func (l *legendBox) size() vg.Point {
	r := l.Rectangle(draw.Canvas{})
	return vg.Point{X: r.Size().X + 2*legendPadding, Y: r.Size().Y + 2*legendPadding}
}

// GlyphBoxes implements plot.GlyphBoxer. Outside the data area, the box
// is reported as a glyph to the right of it, so that the plot leaves room.
func (l *legendBox) GlyphBoxes(*plot.Plot) []plot.GlyphBox {
	if !l.outside {
		return nil
	}
	size := l.size()
	return []plot.GlyphBox{{
		X: 1, Y: 0.5,
		Rectangle: vg.Rectangle{
			Min: vg.Point{X: legendMargin, Y: -size.Y / 2},
			Max: vg.Point{X: legendMargin + size.X, Y: size.Y / 2},
		},
	}}
}

// Plot implements plot.Plotter.
func (l *legendBox) Plot(c draw.Canvas, p *plot.Plot) {
	size := l.size()
	var at vg.Point // bottom-left corner of the box
	if l.outside {
		// Level with the middle of the data area, or its top if the
		// box is taller.
		y := c.Center().Y - size.Y/2
		if y+size.Y > c.Max.Y {
			y = c.Max.Y - size.Y
		}
		at = vg.Point{X: c.Max.X + legendMargin, Y: y}
	} else {
		at = l.corner(c, p, size)
	}
	box := vg.Rectangle{Min: at, Max: at.Add(size)}
	c.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 235})
	c.Fill(box.Path())
	c.SetLineStyle(draw.LineStyle{Color: color.Gray{Y: 170}, Width: vg.Points(0.5)})
	c.Stroke(box.Path())
	inner := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: box.Min.Add(vg.Point{X: legendPadding, Y: legendPadding}),
		Max: box.Max.Sub(vg.Point{X: legendPadding, Y: legendPadding}),
	}}
	l.Legend.Draw(inner)
}

// corner picks the corner of c where a box of the given size covers the
// fewest data points and line samples, preferring the top left.
func (l *legendBox) corner(c draw.Canvas, p *plot.Plot, size vg.Point) vg.Point {
	trX, trY := p.Transforms(&c)
	var samples []vg.Point
	for i, pts := range l.points {
		for j, pt := range pts {
			cur := vg.Point{X: trX(float64(pt.X)), Y: trY(float64(pt.Y))}
			samples = append(samples, cur)
			if !l.lines[i] || j == 0 {
				continue
			}
			prev := vg.Point{X: trX(float64(pts[j-1].X)), Y: trY(float64(pts[j-1].Y))}
			const steps = 40
			for s := 1; s < steps; s++ {
				f := vg.Length(s) / steps
				samples = append(samples, vg.Point{X: prev.X + (cur.X-prev.X)*f, Y: prev.Y + (cur.Y-prev.Y)*f})
			}
		}
	}
	m := legendMargin
	corners := []vg.Point{
		{X: c.Min.X + m, Y: c.Max.Y - m - size.Y}, // top left
		{X: c.Max.X - m - size.X, Y: c.Max.Y - m - size.Y},
		{X: c.Max.X - m - size.X, Y: c.Min.Y + m},
		{X: c.Min.X + m, Y: c.Min.Y + m},
	}
	best, bestHits := corners[0], math.MaxInt
	for _, at := range corners {
		r := vg.Rectangle{Min: at.Sub(vg.Point{X: m, Y: m}), Max: at.Add(size).Add(vg.Point{X: m, Y: m})}
		hits := 0
		for _, s := range samples {
			if s.X >= r.Min.X && s.X <= r.Max.X && s.Y >= r.Min.Y && s.Y <= r.Max.Y {
				hits++
			}
		}
		if hits < bestHits {
			best, bestHits = at, hits
		}
	}
	return best
}

// swatch is a legend thumbnail filled with one colour.
type swatch struct{ color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	r := vg.Rectangle{Min: c.Min, Max: c.Max}
	// Square it off so the swatch does not look like a bar.
	if w := r.Size().X - r.Size().Y; w > 0 {
		r.Min.X += w / 2
		r.Max.X -= w / 2
	}
	c.SetColor(s.Color)
	c.Fill(r.Path())
	c.SetLineStyle(draw.LineStyle{Color: color.Gray{Y: 150}, Width: vg.Points(0.5)})
	c.Stroke(r.Path())
}

// glyphThumb is a legend thumbnail showing a single glyph.
type glyphThumb struct{ draw.GlyphStyle }

func (g glyphThumb) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(g.GlyphStyle, c.Center())
}
