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
