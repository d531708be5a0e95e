package advisor

import (
	"slices"
)

// Boundary is the largest context that fits a memory budget for one model,
// precision and batch size.
type Boundary struct {
	Model      string `json:"model"`
	Precision  string `json:"precision"`
	Batch      int    `json:"batch"`
	MaxContext int    `json:"max_context"` // 0 when not even one token fits
	// Measured says a run decided the boundary: a measured fit raised it, or
	// a measured failure lowered it, against the prediction.
	Measured bool `json:"measured"`
}

// Boundaries finds, for each query, the largest context up to the query's
// own Context (the most the model takes) whose predicted peak memory fits
// memoryBudget. Predicted peak memory is made non-decreasing in the context,
// as memory is, so a larger budget never gives a smaller boundary. Runs in
// measured override the prediction: a successful run within budget fits,
// and one over it, or out of memory under a limit no larger than the budget
// (or under the machine's own), does not. Contexts are searched in steps of
// a sixteenth of an octave, plus every measured one.
func (f *Fit) Boundaries(qs []Query, memoryBudget int64, measured []Observation) []Boundary {
	out := make([]Boundary, 0, len(qs))
	for _, q := range qs {
		b := Boundary{Model: q.Model, Precision: q.Precision, Batch: max(q.Batch, 1)}
		ceiling := max(q.Context, 1)
		fits, fails := 0, 0 // the largest measured context that fits, the smallest that does not
		var grid []int
		for _, o := range measured {
			if o.Model != q.Model || o.Precision != q.Precision || max(o.Batch, 1) != b.Batch || o.Context > ceiling || o.Context < 1 {
				continue
			}
			grid = append(grid, o.Context)
			switch {
			case o.Status == StatusOK && o.PeakMemoryBytes > 0 && o.PeakMemoryBytes <= memoryBudget:
				fits = max(fits, o.Context)
			case o.Status == StatusOK && o.PeakMemoryBytes > memoryBudget,
				o.Status == StatusOOM && (o.MemoryLimitBytes <= 0 || memoryBudget <= o.MemoryLimitBytes):
				if fails == 0 || o.Context < fails {
					fails = o.Context
				}
			}
		}
		grid = slices.Sorted(slices.Values(append(grid, contextGrid(ceiling)...)))
		grid = slices.Compact(grid)

		var envelope int64
		for _, c := range grid {
			q.Context = c
			envelope = max(envelope, f.Predict(q).PeakMemoryBytes)
			if envelope > memoryBudget {
				break
			}
			b.MaxContext = c
		}
		if fails > 0 && b.MaxContext >= fails {
			b.MaxContext, b.Measured = 0, true
			for _, c := range grid {
				if c < fails {
					b.MaxContext = c
				}
			}
		}
		if fits > 0 && fits >= b.MaxContext {
			b.MaxContext, b.Measured = fits, true
		}
		out = append(out, b)
	}
	return out
}

// contextGrid lists contexts from 1 to ceiling, sixteen to an octave, with
// every power of two and the ceiling itself.
func contextGrid(ceiling int) []int {
	var g []int
	for base := 1; base <= ceiling; base *= 2 {
		step := max(base/16, 1)
		for c := base; c < 2*base && c <= ceiling; c += step {
			g = append(g, c)
		}
	}
	if len(g) == 0 || g[len(g)-1] != ceiling {
		g = append(g, ceiling)
	}
	return g
}
