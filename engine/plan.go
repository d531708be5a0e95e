package engine

import (
	"cmp"
	"fmt"
	"slices"
)

// Group is the configurations of one model at one precision: one worker measures them all,
// so the weights load once.
type Group struct {
	Model, Precision, Weights string
	Configs                   []Config
}

// Plan orders configurations for a sweep: grouped by model, precision and weights in the order
// they first appear, and inside a group from the least memory-hungry (small batch, short
// context) to the most, so an out-of-memory failure comes before the larger configurations
// it rules out.
func Plan(cfgs []Config) []Group {
	var groups []Group
	index := map[[3]string]int{}
	for _, c := range cfgs {
		k := [3]string{c.Model, c.Precision, c.Weights}
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, Group{Model: c.Model, Precision: c.Precision, Weights: c.Weights})
		}
		groups[i].Configs = append(groups[i].Configs, c)
	}
	for _, g := range groups {
		slices.SortStableFunc(g.Configs, func(a, b Config) int {
			return cmp.Or(cmp.Compare(a.Batch, b.Batch), cmp.Compare(a.Context, b.Context), cmp.Compare(a.Generate, b.Generate))
		})
	}
	return groups
}

// NeedsMore reports whether b needs at least as much memory as a in every dimension and
// strictly more in one: the same model, precision, weights and budget, with batch, context and
// generate each at least a's. If a ran out of memory, so would b.
func NeedsMore(a, b Config) bool {
	if a.Model != b.Model || a.Precision != b.Precision || a.Weights != b.Weights || a.MemoryLimit != b.MemoryLimit {
		return false
	}
	if b.Batch < a.Batch || b.Context < a.Context || b.Generate < a.Generate {
		return false
	}
	return b.Batch > a.Batch || b.Context > a.Context || b.Generate > a.Generate
}

// Label names a configuration for people: "gpt2-medium int4 ctx 1024 batch 4 gen 32".
func (c Config) Label() string {
	return fmt.Sprintf("%s %s ctx %d batch %d gen %d", c.Model, c.Precision, c.Context, c.Batch, c.Generate)
}

// TeachingOrder orders configurations for background measurement so that early runs teach the
// advisor most: the groups (model × precision) take turns, and within a group the extremes of
// context and batch come first, then the midpoints between measured ones (bisection), so a
// few runs already span every model's range and later runs fill in.
func TeachingOrder(cfgs []Config) []Config {
	groups := Plan(cfgs)
	lists := make([][]Config, len(groups))
	for i, g := range groups {
		lists[i] = bisectionOrder(g.Configs)
	}
	var out []Config
	for k := 0; len(out) < len(cfgs); k++ {
		for _, l := range lists {
			if k < len(l) {
				out = append(out, l[k])
			}
		}
	}
	return out
}

// bisectionOrder takes a sorted list and returns first, last, then the middle of every gap,
// breadth first.
func bisectionOrder(sorted []Config) []Config {
	n := len(sorted)
	if n <= 2 {
		return sorted
	}
	out := []Config{sorted[0], sorted[n-1]}
	gaps := [][2]int{{0, n - 1}}
	for len(gaps) > 0 {
		var next [][2]int
		for _, g := range gaps {
			if g[1]-g[0] < 2 {
				continue
			}
			m := (g[0] + g[1]) / 2
			out = append(out, sorted[m])
			next = append(next, [2]int{g[0], m}, [2]int{m, g[1]})
		}
		gaps = next
	}
	return out
}
