package charts

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var roofColor = color.Gray{Y: 90}

// Roofline draws each measured run's decode step time against the bytes the step reads, with the
// memory roof: the time reading those bytes takes at opt.PeakBandwidthGBs. A run on the roof is
// bound by memory bandwidth; one far above it spends its time elsewhere, dispatching kernels on a
// GPU whose host sets the pace. Without a known peak the runs are drawn without a roof.
func Roofline(points []Point, opt Options) (Figure, error) {
	const title = "Decode against the memory roof"
	var pts []Point
	for _, pt := range points {
		if isOK(pt) && !pt.Predicted && pt.BytesPerStep > 0 && pt.MsPerToken > 0 {
			pts = append(pts, pt)
		}
	}
	if len(pts) == 0 {
		return nil, noData(title, "No run records the bytes a decode step reads: runs stored by an Inferbench before schema version 5 do not, nor runs of an architecture whose KV cache the worker could not read.")
	}
	o := orderOf(pts, opt)
	mbLo, mbHi := math.Inf(1), 0.0
	msLo, msHi := math.Inf(1), 0.0
	for _, pt := range pts {
		mb := float64(pt.BytesPerStep) / 1e6
		mbLo, mbHi = min(mbLo, mb), max(mbHi, mb)
		msLo, msHi = min(msLo, pt.MsPerToken), max(msHi, pt.MsPerToken)
	}
	mbLo, mbHi = mbLo/1.5, mbHi*1.5
	roof := func(mb float64) float64 { return mb * 1e6 / (opt.PeakBandwidthGBs * 1e9) * 1e3 }
	if opt.PeakBandwidthGBs > 0 {
		msLo = min(msLo, roof(mbLo))
	}
	msLo, msHi = msLo/1.5, msHi*1.5

	figTitle := title
	if opt.PeakBandwidthGBs <= 0 {
		figTitle = "Decode step time vs bytes read (peak bandwidth unknown)"
	}
	p := newPlot(figTitle, "MB read per decode step (weights and KV cache)", "ms per decode step", opt)
	addGrid(p)
	setLogAxis(&p.X, mbLo, mbHi)
	setLogAxis(&p.Y, msLo, msHi)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font = font.From(sans, 11)

	if opt.PeakBandwidthGBs > 0 {
		for _, l := range []struct {
			factor float64
			label  string
			dashes []vg.Length
		}{
			{1, fmt.Sprintf("memory roof, %s GB/s", formatBandwidth(opt.PeakBandwidthGBs)), []vg.Length{vg.Points(6), vg.Points(3)}},
			{2, "twice the roof: dispatch-bound above", []vg.Length{vg.Points(1), vg.Points(3)}},
		} {
			xys := plotter.XYs{{X: mbLo, Y: l.factor * roof(mbLo)}, {X: mbHi, Y: l.factor * roof(mbHi)}}
			line, err := plotter.NewLine(logXYs(xys, true, true))
			if err != nil {
				return nil, err
			}
			line.LineStyle = draw.LineStyle{Color: roofColor, Width: vg.Points(1.2), Dashes: l.dashes}
			p.Add(line)
			p.Legend.Add(l.label, line)
		}
	}
	for _, m := range o.models {
		var xys plotter.XYs
		for _, pt := range pts {
			if pt.Model == m {
				xys = append(xys, plotter.XY{X: float64(pt.BytesPerStep) / 1e6, Y: pt.MsPerToken})
			}
		}
		if len(xys) == 0 {
			continue
		}
		s, err := plotter.NewScatter(logXYs(xys, true, true))
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: modelColor(o.model[m]), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add(m, s)
	}
	return p, nil
}

// formatBandwidth writes GB/s as people quote them: 4800, 546, 5.29.
func formatBandwidth(gbs float64) string {
	if gbs >= 100 {
		return strconv.FormatFloat(gbs, 'f', 0, 64)
	}
	return strconv.FormatFloat(gbs, 'g', 3, 64)
}
