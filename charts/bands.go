package charts

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/brewer"
)

// bands splits [lo, hi] into latency bands evenly spaced on a log scale,
// since latencies across model sizes and precisions differ by factors.
// An interactive threshold inside the range is an edge: the bands below it
// are greens, those above it yellows to reds, so a glance tells which
// cells are interactive.
type bands struct {
	edges  []float64 // len(colors)+1 edges, increasing
	colors []color.Color
}

func newBands(lo, hi, threshold float64) bands {
	if threshold > lo && threshold < hi {
		share := math.Log(threshold/lo) / math.Log(hi/lo)
		below := min(max(int(math.Round(share*latencyBands)), 1), latencyBands-1)
		fast, slow := logEdges(lo, threshold, below), logEdges(threshold, hi, latencyBands-below)
		greens, err := brewer.GetPalette(brewer.TypeSequential, "Greens", max(below+1, 3))
		if err != nil {
			panic(err)
		}
		reds, err := brewer.GetPalette(brewer.TypeSequential, "YlOrRd", max(latencyBands-below+1, 3))
		if err != nil {
			panic(err)
		}
		b := bands{edges: append(fast, slow[1:]...)}
		g := greens.Colors()
		for i := range below {
			b.colors = append(b.colors, g[len(g)-1-i]) // the fastest darkest
		}
		r := reds.Colors()
		for i := range latencyBands - below {
			b.colors = append(b.colors, r[len(r)-(latencyBands-below)+i])
		}
		return b
	}
	return logBands(lo, hi)
}

// logEdges returns n+1 edges from lo to hi, evenly spaced on a log scale.
func logEdges(lo, hi float64, n int) []float64 {
	step := math.Log(hi/lo) / float64(n)
	e := make([]float64, n+1)
	for i := range e {
		e[i] = lo * math.Exp(step*float64(i))
	}
	e[0], e[n] = lo, hi // no rounding error at the ends
	return e
}

func logBands(lo, hi float64) bands {
	if math.IsInf(lo, 0) {
		// No latency at all (every cell failed): one band, never used.
		lo, hi = 1, 1
	}
	n := latencyBands
	if hi <= lo*1.0001 {
		n = 1
	}
	pal, err := brewer.GetPalette(brewer.TypeSequential, "YlOrRd", latencyBands)
	if err != nil {
		panic(err) // YlOrRd has 3 to 9 colours; latencyBands is within that
	}
	all := pal.Colors()
	b := bands{}
	if n == 1 {
		b.edges = []float64{lo, hi}
		b.colors = []color.Color{all[latencyBands/2]}
		return b
	}
	step := math.Log(hi/lo) / float64(n)
	for i := 0; i <= n; i++ {
		b.edges = append(b.edges, lo*math.Exp(step*float64(i)))
	}
	b.edges[n] = hi // no rounding error at the top
	b.colors = all
	return b
}

func (b bands) index(v float64) int {
	for i := 1; i < len(b.edges)-1; i++ {
		if v < b.edges[i] {
			return i - 1
		}
	}
	return len(b.colors) - 1
}

func (b bands) label(i int) string {
	if len(b.colors) == 1 {
		return formatMs(b.edges[0]) + " ms/token"
	}
	return fmt.Sprintf("%s – %s ms/token", formatMs(b.edges[i]), formatMs(b.edges[i+1]))
}

// palette returns the band colours; a single band is repeated so that
// plotter.HeatMap has a range to scale over.
func (b bands) palette() palette.Palette {
	if len(b.colors) == 1 {
		return colors{b.colors[0], b.colors[0]}
	}
	return colors(b.colors)
}

type colors []color.Color

func (c colors) Colors() []color.Color { return c }
