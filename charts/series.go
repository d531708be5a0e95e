package charts

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// Grouping points into series and drawing them as lines, for the line charts.

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
