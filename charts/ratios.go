package charts

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Ratio is one compared quantity of one configuration: candidate over baseline, with its
// interval (Low = High = Ratio when there is none).
type Ratio struct {
	Label            string // the configuration and the quantity
	Ratio, Low, High float64
	Flagged          int // -1 a regression, +1 an improvement, 0 neither
}

// Ratios draws each ratio as a point with its interval as a bar, one row per ratio, beside a
// line at 1 (no change) and dashed lines at 1 ± threshold.
func Ratios(rs []Ratio, threshold float64, opt Options) (*plot.Plot, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("ratios: %w", ErrNoData)
	}
	p := newPlot("Candidate over baseline (95% bootstrap interval)", "ratio", "", opt)
	lo, hi := 1-threshold, 1+threshold
	var ticks []plot.Tick
	colors := map[int]color.Color{-1: color.RGBA{R: 0xc0, G: 0x20, B: 0x20, A: 0xff}, 0: color.Gray{Y: 0x50},
		1: color.RGBA{R: 0x20, G: 0x80, B: 0x30, A: 0xff}}
	for i, r := range rs {
		y := float64(len(rs) - 1 - i)
		ticks = append(ticks, plot.Tick{Value: y, Label: r.Label})
		lo, hi = min(lo, r.Low), max(hi, r.High)
		bar, err := plotter.NewLine(plotter.XYs{{X: r.Low, Y: y}, {X: r.High, Y: y}})
		if err != nil {
			return nil, err
		}
		bar.LineStyle = draw.LineStyle{Color: colors[r.Flagged], Width: vg.Points(2)}
		pt, err := plotter.NewScatter(plotter.XYs{{X: r.Ratio, Y: y}})
		if err != nil {
			return nil, err
		}
		pt.GlyphStyle = draw.GlyphStyle{Color: colors[r.Flagged], Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		p.Add(bar, pt)
	}
	top := float64(len(rs))
	for _, x := range []float64{1 - threshold, 1, 1 + threshold} {
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: -0.5}, {X: x, Y: top - 0.5}})
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: color.Gray{Y: 0x90}, Width: vg.Points(0.75)}
		if x != 1 {
			l.LineStyle.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		}
		p.Add(l)
	}
	pad := (hi - lo) * 0.05
	p.X.Min, p.X.Max = lo-pad, hi+pad
	p.Y.Min, p.Y.Max = -0.5, top-0.5
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	return p, nil
}
