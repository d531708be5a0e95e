// Package grid describes grids of configurations: lists and ranges as the flags take them
// ("128-2048*2"), sweep specs that cross them, and sweep files.
package grid

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/inferbench/inferbench/engine"
)

// SweepSpec is a grid of configurations: every list crosses with the others, as in llama-bench.
//
// The zero value of a field is not its default: ParseSweepFile fills the fields a sweep file
// leaves out, and the sweep command fills them from its flags.
type SweepSpec struct {
	Models, Precisions           []string
	Contexts, Generates, Batches []int
	Weights                      string        // auto, random, checkpoint
	Warmup, Repeats              int           // Repeats: fixed count, or the maximum with TargetCI
	Processes                    int           // worker processes the repetitions are split over; 0 is 1
	MinRepeats                   int           // with TargetCI, the fewest repetitions
	TargetCI                     float64       // fraction (0.02 = 2%); 0 = fixed repetitions
	Delay, Timeout               time.Duration // Delay: cool-down between configurations
	MemoryLimit                  int64         // bytes; 0 = none
	Seed                         int
}

const (
	// maxListValues bounds one list, so that a range typed wrong ("1-1000000+1") is refused
	// instead of expanding without end.
	maxListValues = 10000
	// maxSweepConfigs bounds the grid: at a minute a configuration, it is more than two months.
	maxSweepConfigs = 100000
)

// DefaultMaxRepeats is the most repetitions adaptive repetitions (a target confidence interval)
// take when a sweep does not say.
const DefaultMaxRepeats = 20

// DefaultSweepSpec holds the defaults of every field but Models, shared by sweep files and the
// command-line flags so the two cannot drift apart.
func DefaultSweepSpec() SweepSpec {
	return SweepSpec{
		Precisions: []string{"fp16"},
		Contexts:   []int{128},
		Generates:  []int{32},
		Batches:    []int{1},
		Weights:    "auto",
		Warmup:     1,
		Repeats:    5,
		Processes:  1,
		MinRepeats: 3,
		Timeout:    engine.DefaultTimeout,
	}
}

// Configs returns the configurations of the grid in a stable order: by model, then precision,
// batch, context and generate, each list in its own order, the last varying fastest. Every
// configuration carries the spec's weights, repetitions, memory limit, timeout and seed.
func (s SweepSpec) Configs() []engine.Config {
	var cfgs []engine.Config
	if n, ok := s.size(); ok {
		cfgs = make([]engine.Config, 0, n)
	}
	for _, m := range s.Models {
		for _, p := range s.Precisions {
			for _, b := range s.Batches {
				for _, c := range s.Contexts {
					for _, g := range s.Generates {
						cfgs = append(cfgs, s.config(m, p, b, c, g))
					}
				}
			}
		}
	}
	return cfgs
}

func (s SweepSpec) config(model, precision string, batch, context, generate int) engine.Config {
	return engine.Config{
		Model:       model,
		Precision:   precision,
		Weights:     s.Weights,
		Context:     context,
		Generate:    generate,
		Batch:       batch,
		Warmup:      s.Warmup,
		Repeats:     s.Repeats,
		Processes:   s.Processes,
		Seed:        s.Seed,
		TargetCI:    s.TargetCI,
		MinRepeats:  s.MinRepeats,
		MemoryLimit: s.MemoryLimit,
		Timeout:     s.Timeout,
	}
}

// size returns the number of configurations in the grid, and false when it is more than
// maxSweepConfigs.
func (s SweepSpec) size() (int, bool) {
	n := 1
	for _, l := range s.lengths() {
		if l == 0 {
			return 0, true
		}
		if n > maxSweepConfigs/l {
			return 0, false
		}
		n *= l
	}
	return n, n <= maxSweepConfigs
}

func (s SweepSpec) lengths() []int {
	return []int{len(s.Models), len(s.Precisions), len(s.Batches), len(s.Contexts), len(s.Generates)}
}

// Validate checks the whole grid before anything runs and reports every problem at once, as
// an errors.Join of *InvalidError values, or nil. Each value is checked once on its own (a
// model, a precision, a context), and then every configuration built from valid values goes
// through Config.Validate for the rules that join values, such as a context and generate
// beyond a model's positions. A problem is reported once however many configurations share
// it: a model whose positions are too few for some contexts is one error that names the
// model and the longest context that fits.
func (s SweepSpec) Validate(cat *engine.Catalog) error {
	var errs []error
	for _, p := range s.problems(cat) {
		errs = append(errs, &engine.InvalidError{Msg: p.msg})
	}
	return errors.Join(errs...)
}

// specProblem is one thing wrong with a spec. fields names the sweep file fields it concerns,
// the first the one to point at; none when it concerns the grid as a whole.
type specProblem struct {
	fields []string
	msg    string
}

// problems lists everything wrong with the spec, without duplicates.
func (s SweepSpec) problems(cat *engine.Catalog) []specProblem {
	probs := s.fieldProblems()
	badPrecision := map[string]bool{}
	for _, p := range distinct(s.Precisions) {
		if _, err := cat.Precision(p); err != nil {
			badPrecision[p] = true
			probs = append(probs, specProblem{[]string{"precisions"}, err.Error()})
		}
	}
	refs := map[string]engine.ModelRef{}
	for _, m := range distinct(s.Models) {
		ref, err := cat.ResolveModel(m)
		if err != nil {
			probs = append(probs, specProblem{[]string{"models"}, err.Error()})
			continue
		}
		refs[m] = ref
	}
	if _, ok := s.size(); !ok {
		return probs // already reported; too many to check one by one
	}

	// Every configuration of valid values goes through Config.Validate, with any invalid
	// scalar (already reported) replaced, so that one problem does not hide another.
	probe := s.repaired()
	positive := func(v int) bool { return v >= 1 }
	batches, contexts, generates := filter(s.Batches, positive), filter(s.Contexts, positive), filter(s.Generates, positive)
	seen := map[string]bool{}
	type pair struct{ context, generate int }
	var overModels []string
	over := map[string][]pair{}
	for _, m := range s.Models {
		ref, ok := refs[m]
		if !ok {
			continue
		}
		for _, p := range s.Precisions {
			if badPrecision[p] {
				continue
			}
			for _, b := range batches {
				for _, c := range contexts {
					for _, g := range generates {
						cfg := probe.config(m, p, b, c, g)
						_, err := cfg.Validate(cat)
						switch {
						case err == nil:
						case !ref.Fits(cfg):
							if _, ok := over[m]; !ok {
								overModels = append(overModels, m)
							}
							if !slices.Contains(over[m], pair{c, g}) {
								over[m] = append(over[m], pair{c, g})
							}
						case !seen[err.Error()]:
							seen[err.Error()] = true
							probs = append(probs, specProblem{nil, err.Error()})
						}
					}
				}
			}
		}
	}
	for _, m := range overModels {
		positions := refs[m].MaxPositions
		var sums, fits []string
		var generates []int
		for i, p := range over[m] {
			if i == 4 {
				sums = append(sums, fmt.Sprintf("%d more", len(over[m])-i))
				break
			}
			sums = append(sums, fmt.Sprintf("%d+%d", p.context, p.generate))
		}
		for _, p := range over[m] {
			if !slices.Contains(generates, p.generate) {
				generates = append(generates, p.generate)
			}
		}
		for _, g := range generates {
			if g >= positions {
				fits = append(fits, fmt.Sprintf("none with generate %d", g))
			} else {
				fits = append(fits, fmt.Sprintf("%d with generate %d", positions-g, g))
			}
		}
		probs = append(probs, specProblem{[]string{"contexts", "generate", "models"}, fmt.Sprintf(
			"context + generate is beyond %s's %d positions for %s; the longest context that fits %s is %s: shorten the contexts or measure %s in a sweep of its own",
			m, positions, andList(sums), m, andList(fits), m)})
	}
	return probs
}

// fieldProblems checks what needs no catalog: empty lists, values out of range, and the size
// of the grid.
func (s SweepSpec) fieldProblems() []specProblem {
	var probs []specProblem
	add := func(fields []string, format string, args ...any) {
		probs = append(probs, specProblem{fields, fmt.Sprintf(format, args...)})
	}
	if len(s.Models) == 0 {
		add([]string{"models"}, "no models to measure: name at least one (a catalog name, a checkpoint folder or a Hugging Face id)")
	}
	if len(s.Precisions) == 0 {
		add([]string{"precisions"}, "no precisions: name at least one, such as fp16")
	}
	for _, l := range []struct {
		field, what string
		values      []int
		why         string
	}{
		{"contexts", "context", s.Contexts, "a prompt is at least 1 token"},
		{"generate", "generate", s.Generates, "it counts the first new token, so it is at least 1"},
		{"batches", "batch", s.Batches, "a batch is at least 1 sequence"},
	} {
		if len(l.values) == 0 {
			add([]string{l.field}, "no %s values: give at least one", l.what)
		}
		for _, v := range distinct(l.values) {
			if v < 1 {
				add([]string{l.field}, "%s %d is below 1: %s", l.what, v, l.why)
			}
		}
	}
	if !validWeights(s.Weights) {
		add([]string{"weights"}, "weights %q: choose auto, random or checkpoint", s.Weights)
	}
	if s.Warmup < 0 {
		add([]string{"warmup"}, "warmup %d is negative: use 0 for no warm-up", s.Warmup)
	}
	if s.Processes < 0 {
		add([]string{"processes"}, "processes %d is negative: every configuration runs in at least one worker process", s.Processes)
	} else if s.Processes > s.Repeats {
		add([]string{"processes", "repeats"}, "processes %d is more than repeats %d: every process measures at least one repetition", s.Processes, s.Repeats)
	} else if s.Processes > 1 && s.TargetCI > 0 {
		add([]string{"processes", "target_ci"}, "processes and target_ci cannot be combined: adaptive repetitions stop within one process")
	}
	if s.Repeats < 1 {
		add([]string{"repeats"}, "repeats %d is below 1: measure each configuration at least once", s.Repeats)
	}
	if !validTargetCI(s.TargetCI) {
		add([]string{"target_ci"}, "target CI %v is outside (0, 1): give a fraction such as 0.02 or a percentage such as 2%%, or 0 for a fixed number of repetitions%s",
			s.TargetCI, percentHint(s.TargetCI))
	} else if s.TargetCI > 0 {
		if s.MinRepeats < 1 {
			add([]string{"min_repeats"}, "minimum repetitions %d is below 1", s.MinRepeats)
		} else if s.Repeats >= 1 && s.MinRepeats > s.Repeats {
			add([]string{"min_repeats", "repeats", "target_ci"},
				"minimum repetitions %d is more than the maximum %d (repeats, when a target CI is set): lower the minimum or raise the maximum",
				s.MinRepeats, s.Repeats)
		}
	}
	if s.Delay < 0 {
		add([]string{"delay"}, "delay %s is negative: use 0 for no cool-down", s.Delay)
	}
	if s.Timeout <= 0 {
		add([]string{"timeout"}, "timeout %s is not positive: give the longest one configuration may take, such as 30m", s.Timeout)
	}
	if s.MemoryLimit < 0 {
		add([]string{"memory_limit"}, "memory limit %d is negative: use 0 for none", s.MemoryLimit)
	}
	if s.Seed < 0 {
		add([]string{"seed"}, "seed %d is negative: seeds run from 0 to %d", s.Seed, math.MaxInt64)
	}
	if _, ok := s.size(); !ok {
		n := big.NewInt(1)
		for _, l := range s.lengths() {
			n.Mul(n, big.NewInt(int64(l)))
		}
		add(nil, "the grid has %s configurations (%d models × %d precisions × %d batches × %d contexts × %d generate), more than the %d a sweep may hold: shorten a list",
			n, len(s.Models), len(s.Precisions), len(s.Batches), len(s.Contexts), len(s.Generates), maxSweepConfigs)
	}
	return probs
}

// repaired returns the spec with each invalid scalar field replaced by a valid one, so that
// Config.Validate reaches the rules that come after it.
func (s SweepSpec) repaired() SweepSpec {
	if !validWeights(s.Weights) {
		s.Weights = "auto"
	}
	s.Warmup = max(s.Warmup, 0)
	s.Repeats = max(s.Repeats, 1)
	if !validTargetCI(s.TargetCI) {
		s.TargetCI = 0
	}
	if s.TargetCI > 0 {
		s.MinRepeats = min(max(s.MinRepeats, 1), s.Repeats)
	}
	s.MemoryLimit = max(s.MemoryLimit, 0)
	if s.Timeout <= 0 {
		s.Timeout = time.Minute
	}
	return s
}

func validWeights(w string) bool { return w == "auto" || w == "random" || w == "checkpoint" }

func validTargetCI(f float64) bool { return f == 0 || (f > 0 && f < 1) }

// percentHint suggests a percentage for a fraction that was probably meant as one.
func percentHint(f float64) string {
	if f >= 1 && f < 100 {
		return fmt.Sprintf(" (did you mean %g%%?)", f)
	}
	return ""
}

func distinct[T comparable](xs []T) []T {
	var out []T
	seen := map[T]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// andList joins "a", "b" and "c" as "a, b and c".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
