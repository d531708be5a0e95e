package charts

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Latency is coloured in a few bands rather than continuously: the cell
// text gives the exact value, and bands can be named in the key.
const latencyBands = 6

var (
	noDataColor = color.Gray{Y: 235}
	mutedInk    = color.Gray{Y: 110}
	hatchColor  = color.NRGBA{R: 40, G: 40, B: 40, A: 110}
)

// cell is one model and precision on the feasibility map.
type cell struct {
	pt      Point
	present bool
}

// FeasibilityMap draws a grid with a row per model (in the order the
// models first appear in points) and a column per precision (most bits
// first), coloured by decode latency at batch 1 (or the smallest batch
// measured) and the longest context that most configurations reached.
// Cells that ran out of memory, exceed opt.ThresholdMs or exceed
// opt.MemoryBudgetBytes are hatched and marked "×"; each cell states its
// latency.
func FeasibilityMap(points []Point, opt Options) (Figure, error) {
	usable := func(pt Point) bool {
		return pt.Context > 0 && pt.Batch > 0 && (isOK(pt) && pt.MsPerToken > 0 || isOOM(pt))
	}
	batch, context := 0, 0
	for _, pt := range points {
		if usable(pt) && (batch == 0 || pt.Batch < batch) {
			batch = pt.Batch
		}
	}
	if batch == 0 {
		return nil, noData("Feasibility map", "No run has a decode latency or ran out of memory, so there is nothing to place on the map.")
	}
	// Use the longest context that the most configurations reached, so
	// that a few long-context predictions do not leave the map empty.
	reached := map[int]map[[2]string]bool{}
	for _, pt := range points {
		if usable(pt) && pt.Batch == batch {
			if reached[pt.Context] == nil {
				reached[pt.Context] = map[[2]string]bool{}
			}
			reached[pt.Context][[2]string{pt.Model, pt.Precision}] = true
		}
	}
	for ctx, cfgs := range reached {
		best := len(reached[context])
		if len(cfgs) > best || len(cfgs) == best && ctx > context {
			context = ctx
		}
	}

	o := orderOf(points, opt)
	rows, cols := len(o.models), len(o.precisions)
	cells := make([][]cell, rows)
	for i := range cells {
		cells[i] = make([]cell, cols)
	}
	for _, pt := range points {
		if pt.Batch != batch || pt.Context != context {
			continue
		}
		c := &cells[o.model[pt.Model]][o.precision[pt.Precision]]
		// A measurement outranks a prediction of the same configuration.
		if !c.present || c.pt.Predicted && !pt.Predicted {
			*c = cell{pt: pt, present: true}
		}
	}

	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range cells {
		for _, c := range row {
			if c.present && isOK(c.pt) && c.pt.MsPerToken > 0 {
				lo, hi = math.Min(lo, c.pt.MsPerToken), math.Max(hi, c.pt.MsPerToken)
			}
		}
	}
	bands := newBands(lo, hi, opt.ThresholdMs)

	p := newPlot(fmt.Sprintf("Feasibility at context %d, batch %d: decode latency (ms/token)", context, batch),
		"precision", "model", opt)
	p.X.Label.Text = "precision"
	p.Y.Label.Text = "model"

	key := newLegendBox(true)
	for i := len(bands.colors) - 1; i >= 0; i-- {
		key.Add(bands.label(i), swatch{bands.colors[i]})
	}
	key.Add("no result", swatch{noDataColor})
	key.Add("× infeasible:", hatchSwatch{})
	key.Add("out of memory", blank{})
	if opt.ThresholdMs > 0 {
		key.Add(fmt.Sprintf("slower than %s ms/token", formatTick(opt.ThresholdMs)), blank{})
	}
	if opt.MemoryBudgetBytes > 0 {
		key.Add(fmt.Sprintf("over %s budget,", opt.budgetName()), blank{})
		key.Add(fmt.Sprintf("%s GB", formatTick(math.Round(gigabytes(opt.MemoryBudgetBytes)*10)/10)), blank{})
	}

	// Rows run top to bottom in model order, so row i is drawn at y = rows-1-i.
	type cellLabel struct {
		value, note string
		ink         color.Color
		muted       bool // no result: quieter than the measurements
	}
	grid := &cellGrid{z: make([][]float64, rows)}
	names := make([]string, rows)
	texts := make([][]cellLabel, rows)
	var hatched [][2]int
	for i, row := range cells {
		y := rows - 1 - i
		names[y] = o.models[i]
		grid.z[y] = make([]float64, cols)
		texts[y] = make([]cellLabel, cols)
		for j, c := range row {
			t := cellLabel{value: "not measured", ink: mutedInk, muted: true}
			grid.z[y][j] = math.NaN()
			if c.present && isOK(c.pt) && c.pt.MsPerToken > 0 {
				z := bands.index(c.pt.MsPerToken)
				grid.z[y][j] = float64(z)
				t = cellLabel{value: formatMs(c.pt.MsPerToken), ink: inkFor(bands.colors[z])}
				if th := opt.ThresholdMs; t.value == formatMs(th) && c.pt.MsPerToken != th {
					// Rounded onto the threshold: show on which side it lies.
					t.value = fmt.Sprintf("%.2f", c.pt.MsPerToken)
				}
				t.value += " ms/token"
			} else if c.present {
				t.value = c.pt.Status
			}
			switch reason := infeasible(c, opt); {
			case reason == "":
			case isOOM(c.pt):
				hatched = append(hatched, [2]int{j, y})
				t = cellLabel{value: "× out of memory", ink: color.Black}
			default:
				hatched = append(hatched, [2]int{j, y})
				t.note = "× " + reason
			}
			if c.present && c.pt.Predicted {
				if t.note != "" {
					t.note += ", "
				}
				t.note += "predicted"
			}
			texts[y][j] = t
		}
	}

	// Shrink the cell text, all alike, until the longest fits its cell.
	var nameW vg.Length
	for _, n := range names {
		nameW = max(nameW, cellText(sans, 11, nil, 0).Width(n))
	}
	cellW := (width - nameW - key.size().X - vg.Points(80)) / vg.Length(cols)
	scale := 1.0
	for _, row := range texts {
		for _, t := range row {
			if w := cellText(sansBold, 11, t.ink, 0).Width(t.value); w > cellW*0.9 {
				scale = min(scale, float64(cellW*0.9/w))
			}
			if w := cellText(sans, 9.5, t.ink, 0).Width(t.note); w > cellW*0.9 {
				scale = min(scale, float64(cellW*0.9/w))
			}
		}
	}
	valueLabels := &plotter.Labels{}
	noteLabels := &plotter.Labels{}
	for y, row := range texts {
		for j, t := range row {
			at := plotter.XY{X: float64(j), Y: float64(y)}
			dy := vg.Length(0)
			if t.note != "" {
				dy = vg.Points(6 * scale)
				noteLabels.XYs = append(noteLabels.XYs, at)
				noteLabels.Labels = append(noteLabels.Labels, t.note)
				noteLabels.TextStyle = append(noteLabels.TextStyle, cellText(sans, 9.5*scale, t.ink, -dy))
			}
			f := sansBold
			if t.muted {
				f = sans
			}
			valueLabels.XYs = append(valueLabels.XYs, at)
			valueLabels.Labels = append(valueLabels.Labels, t.value)
			valueLabels.TextStyle = append(valueLabels.TextStyle, cellText(f, 11*scale, t.ink, dy))
		}
	}

	heat := plotter.NewHeatMap(grid, bands.palette())
	heat.Min, heat.Max = 0, float64(len(bands.colors)-1)
	if heat.Max == 0 {
		heat.Max = 1 // one band: the palette repeats its colour
	}
	heat.NaN = noDataColor
	p.Add(heat, &cellHatch{cells: hatched}, &cellBorders{cols: cols, rows: rows}, valueLabels)
	if len(noteLabels.Labels) > 0 {
		p.Add(noteLabels)
	}

	p.NominalX(o.precisions...)
	p.NominalY(names...)
	p.X.Tick.Label.Font = font.From(sans, 11)
	p.Y.Tick.Label.Font = font.From(sans, 11)
	p.Y.Width = 0

	p.X.Min, p.X.Max = -0.5, float64(cols)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(rows)-0.5
	p.Add(key)
	return p, nil
}

// infeasible says why a cell cannot serve interactive use, or "" if it can.
func infeasible(c cell, opt Options) string {
	if !c.present {
		return ""
	}
	if isOOM(c.pt) {
		return "out of memory"
	}
	if !isOK(c.pt) {
		return ""
	}
	slow := opt.ThresholdMs > 0 && c.pt.MsPerToken > opt.ThresholdMs
	big := opt.MemoryBudgetBytes > 0 && c.pt.PeakMemoryBytes > opt.MemoryBudgetBytes
	switch {
	case slow && big:
		return "too slow, over budget"
	case slow:
		return "too slow"
	case big:
		return "over memory budget"
	}
	return ""
}

func formatMs(ms float64) string {
	if ms >= 100 {
		return fmt.Sprintf("%.0f", ms)
	}
	return fmt.Sprintf("%.1f", ms)
}

// cellText centres a line of cell text dy above the cell's centre.
func cellText(f font.Font, size float64, ink color.Color, dy vg.Length) text.Style {
	sty := text.Style{
		Color:   ink,
		Font:    font.From(f, vg.Length(size)),
		XAlign:  draw.XCenter,
		Handler: plot.DefaultTextHandler,
	}
	// YAlign is in units of the text's height, so convert dy to those.
	sty.YAlign = text.YAlignment(-0.5 + float64(dy/sty.Height("Ag")))
	return sty
}

// inkFor returns black or white, whichever reads better on background.
func inkFor(background color.Color) color.Color {
	r, g, b, _ := background.RGBA()
	lum := (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
	if lum < 0.45 {
		return color.White
	}
	return color.Black
}

// cellGrid is the heat map's data: z[row][col], row 0 at the bottom.
type cellGrid struct{ z [][]float64 }

func (g *cellGrid) Dims() (c, r int)   { return len(g.z[0]), len(g.z) }
func (g *cellGrid) Z(c, r int) float64 { return g.z[r][c] }
func (g *cellGrid) X(c int) float64    { return float64(c) }
func (g *cellGrid) Y(r int) float64    { return float64(r) }

// cellHatch draws diagonal hatching over infeasible cells, so they stand
// out whatever their colour, in print and for colour-blind readers.
type cellHatch struct{ cells [][2]int }

func (h *cellHatch) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	c.SetLineStyle(draw.LineStyle{Color: hatchColor, Width: vg.Points(1)})
	const spacing = vg.Length(7)
	for _, cl := range h.cells {
		x0, x1 := trX(float64(cl[0])-0.5), trX(float64(cl[0])+0.5)
		y0, y1 := trY(float64(cl[1])-0.5), trY(float64(cl[1])+0.5)
		w, ht := x1-x0, y1-y0
		// Lines of slope 1 starting at (x0+t, y0), clipped to the cell.
		for t := -ht; t < w; t += spacing {
			u0, u1 := max(0, -t), min(ht, w-t)
			if u0 >= u1 {
				continue
			}
			var pa vg.Path
			pa.Move(vg.Point{X: x0 + t + u0, Y: y0 + u0})
			pa.Line(vg.Point{X: x0 + t + u1, Y: y0 + u1})
			c.Stroke(pa)
		}
	}
}

// cellBorders separates the cells with white lines.
type cellBorders struct{ cols, rows int }

func (b *cellBorders) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: color.White, Width: vg.Points(3)}
	left, right := trX(-0.5), trX(float64(b.cols)-0.5)
	bottom, top := trY(-0.5), trY(float64(b.rows)-0.5)
	for i := 0; i <= b.cols; i++ {
		x := trX(float64(i) - 0.5)
		c.StrokeLine2(sty, x, bottom, x, top)
	}
	for j := 0; j <= b.rows; j++ {
		y := trY(float64(j) - 0.5)
		c.StrokeLine2(sty, left, y, right, y)
	}
}

// hatchSwatch is the key's thumbnail for infeasible cells.
type hatchSwatch struct{}

func (hatchSwatch) Thumbnail(c *draw.Canvas) {
	swatch{color.White}.Thumbnail(c)
	r := c.Rectangle
	if w := r.Size().X - r.Size().Y; w > 0 {
		r.Min.X += w / 2
		r.Max.X -= w / 2
	}
	c.SetLineStyle(draw.LineStyle{Color: hatchColor, Width: vg.Points(1)})
	s := r.Size().X
	for _, t := range []vg.Length{-s / 2, 0, s / 2} {
		u0, u1 := max(0, -t), min(s, s-t)
		var pa vg.Path
		pa.Move(vg.Point{X: r.Min.X + t + u0, Y: r.Min.Y + u0})
		pa.Line(vg.Point{X: r.Min.X + t + u1, Y: r.Min.Y + u1})
		c.Stroke(pa)
	}
}

// blank is an empty thumbnail, for key lines that explain the line above.
type blank struct{}

func (blank) Thumbnail(*draw.Canvas) {}
