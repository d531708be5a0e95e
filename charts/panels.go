package charts

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figure is what Save draws: one plot, or several panels under one title.
type Figure interface {
	Draw(c draw.Canvas)
}

// maxSeriesPerPlot is the most series one plot shows with a legend beside
// it; beyond it the legend would take the width the data needs, and the
// chart is drawn as one panel per model instead.
const maxSeriesPerPlot = 10

// panels is a grid of plots sharing axes, with one title over them all and
// a key under them.
type panels struct {
	title string
	plots []*plot.Plot
	key   *plot.Legend
}

// Draw implements Figure.
func (f *panels) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	title := text.Style{Color: color.Black, Font: font.From(sansBold, 14), Handler: plot.DefaultTextHandler, XAlign: draw.XCenter, YAlign: draw.YTop}
	c.FillText(title, vg.Point{X: c.Center().X, Y: c.Max.Y - vg.Points(8)}, f.title)
	top := c.Max.Y - vg.Points(16) - title.Height(f.title)
	bottom := c.Min.Y + vg.Points(4)
	right := c.Max.X
	if f.key != nil {
		// The key stands to the right, level with the top panels.
		f.key.Top, f.key.Left = true, true
		r := f.key.Rectangle(draw.Canvas{})
		right -= r.Size().X + vg.Points(12)
		f.key.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: right + vg.Points(8), Y: top - r.Size().Y},
			Max: vg.Point{X: c.Max.X - vg.Points(4), Y: top},
		}})
	}
	cols := int(math.Ceil(math.Sqrt(float64(len(f.plots)))))
	rows := (len(f.plots) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		for j := range cols {
			if k := i*cols + j; k < len(f.plots) {
				grid[i][j] = f.plots[k]
			}
		}
	}
	area := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: bottom}, Max: vg.Point{X: right, Y: top}}}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(6), PadY: vg.Points(6),
		PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align(grid, tiles, area)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
}

// NothingToDraw opens the body of every chart that has no data, before the reason.
const NothingToDraw = "Nothing to draw."

// message is a chart that has nothing to draw and says why in its body, so
// that a reader of a report sees the reason where the chart would be.
type message struct {
	title, why string
}

// Draw implements Figure.
func (m message) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	title := text.Style{Color: color.Black, Font: font.From(sansBold, 14), Handler: plot.DefaultTextHandler, XAlign: draw.XCenter, YAlign: draw.YTop}
	c.FillText(title, vg.Point{X: c.Center().X, Y: c.Max.Y - vg.Points(10)}, m.title)
	box := vg.Rectangle{Min: c.Min.Add(vg.Point{X: vg.Points(30), Y: vg.Points(30)}), Max: c.Max.Sub(vg.Point{X: vg.Points(30), Y: vg.Points(50)})}
	c.SetLineStyle(draw.LineStyle{Color: gridColor, Width: vg.Points(1)})
	c.Stroke(box.Path())
	body := text.Style{Color: mutedInk, Font: font.From(sans, 13), Handler: plot.DefaultTextHandler, XAlign: draw.XCenter, YAlign: draw.YCenter}
	c.FillText(body, vg.Point{X: (box.Min.X + box.Max.X) / 2, Y: (box.Min.Y + box.Max.Y) / 2}, wrap(NothingToDraw+" "+m.why, 70))
}

// wrap breaks s into lines of at most n characters, at spaces.
func wrap(s string, n int) string {
	var out, line []rune
	for _, word := range splitWords(s) {
		if len(line) > 0 && len(line)+1+len([]rune(word)) > n {
			out = append(append(out, line...), '\n')
			line = nil
		}
		if len(line) > 0 {
			line = append(line, ' ')
		}
		line = append(line, []rune(word)...)
	}
	return string(append(out, line...))
}

func splitWords(s string) []string {
	var words []string
	start := -1
	for i, r := range s {
		if r == ' ' || r == '\n' {
			if start >= 0 {
				words = append(words, s[start:i])
			}
			start = -1
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		words = append(words, s[start:])
	}
	return words
}
