package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
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

// Configs returns the configurations of the grid in a stable order: by model, then precision,
// batch, context and generate, each list in its own order, the last varying fastest. Every
// configuration carries the spec's weights, repetitions, memory limit, timeout and seed.
func (s SweepSpec) Configs() []Config {
	var cfgs []Config
	if n, ok := s.size(); ok {
		cfgs = make([]Config, 0, n)
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

func (s SweepSpec) config(model, precision string, batch, context, generate int) Config {
	return Config{
		Model:       model,
		Precision:   precision,
		Weights:     s.Weights,
		Context:     context,
		Generate:    generate,
		Batch:       batch,
		Warmup:      s.Warmup,
		Repeats:     s.Repeats,
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
func (s SweepSpec) Validate(cat *Catalog) error {
	var errs []error
	for _, p := range s.problems(cat) {
		errs = append(errs, &InvalidError{Msg: p.msg})
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
func (s SweepSpec) problems(cat *Catalog) []specProblem {
	probs := s.fieldProblems()
	badPrecision := map[string]bool{}
	for _, p := range distinct(s.Precisions) {
		if _, err := cat.Precision(p); err != nil {
			badPrecision[p] = true
			probs = append(probs, specProblem{[]string{"precisions"}, err.Error()})
		}
	}
	refs := map[string]ModelRef{}
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
						case checkPositions(ref, cfg) != nil:
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

// ParseIntList parses a comma-separated list of whole numbers and ranges in the style of
// llama-bench: "128,512,1024"; "128-2048*2", from 128 to 2048 multiplying by 2 (128, 256,
// ..., 2048); "1-8+3", from 1 to 8 adding 3 (1, 4, 7); or a mix, "1,2,8-32*2". A range's end
// is included when a step lands on it. A range needs its step: "16-64" is refused rather than
// guessed. Values that repeat are kept once, in the order they first appear. Errors name the
// item at fault.
func ParseIntList(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, invalidf("empty list: give at least one number, such as 128,512 or 128-2048*2")
	}
	var out []int
	seen := map[int]bool{}
	add := func(v int) error {
		if seen[v] {
			return nil
		}
		if len(out) == maxListValues {
			return invalidf("%q makes more than %d values: a list may hold at most %d", s, maxListValues, maxListValues)
		}
		seen[v] = true
		out = append(out, v)
		return nil
	}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, invalidf("item %d of %q is empty: remove the extra comma", i+1, s)
		}
		if err := parseIntItem(item, add); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseIntItem(item string, add func(int) error) error {
	if isDigits(item) {
		v, err := atoi(item)
		if err != nil {
			return err
		}
		return add(v)
	}
	if item[0] == '-' && isDigits(item[1:]) {
		return invalidf("negative number %s: values must be 0 or more", item)
	}
	malformed := invalidf("malformed range %q: write START-END*FACTOR (128-2048*2 doubles from 128 up to 2048) or START-END+STEP (1-8+1 counts from 1 to 8)", item)
	first, rest, isRange := strings.Cut(item, "-")
	if !isRange {
		if strings.ContainsAny(item, "*+") {
			return malformed
		}
		return invalidf("%q is not a whole number", item)
	}
	i := strings.IndexAny(rest, "*+")
	if i < 0 {
		if isDigits(first) && isDigits(rest) {
			return invalidf("range %q has no step: write %s+1 to count up by one or %s*2 to double", item, item, item)
		}
		return malformed
	}
	last, op, by := rest[:i], rest[i], rest[i+1:]
	if !isDigits(first) || !isDigits(last) || !isDigits(by) {
		return malformed
	}
	start, err := atoi(first)
	if err != nil {
		return err
	}
	end, err := atoi(last)
	if err != nil {
		return err
	}
	step, err := atoi(by)
	if err != nil {
		return err
	}
	if end < start {
		return invalidf("range %q ends before it starts (%d < %d): write %d-%d%c%d", item, end, start, end, start, op, step)
	}
	if op == '*' {
		if step < 2 {
			return invalidf("range %q multiplies by %d: the factor must be at least 2", item, step)
		}
		if start == 0 {
			return invalidf("range %q starts at 0, which multiplying never leaves: start at 1 or more", item)
		}
		for v := start; ; v *= step {
			if err := add(v); err != nil {
				return err
			}
			if v > end/step {
				return nil
			}
		}
	}
	if step < 1 {
		return invalidf("range %q adds %d: the step must be at least 1", item, step)
	}
	for v := start; ; v += step {
		if err := add(v); err != nil {
			return err
		}
		if v > end-step {
			return nil
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, invalidf("%s is too large", s)
	}
	return v, nil
}

// ParseStringList parses a comma-separated list of names, such as "gpt2,gpt2-medium". Items are
// trimmed of spaces; an empty item is an error; names that repeat are kept once, in the order
// they first appear.
func ParseStringList(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, invalidf("empty list: give at least one name")
	}
	var out []string
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, invalidf("item %d of %q is empty: remove the extra comma", i+1, s)
		}
		if !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out, nil
}

var byteUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// ParseBytes parses a size: a number of bytes ("1073741824") or a number and a unit, in powers
// of 1000 (KB, MB, GB, TB) or of 1024 (KiB, MiB, GiB, TiB), in any case, with an optional space
// ("16GiB", "16 GB", "1.5gib"). A fraction is rounded to the nearest byte. Zero is written
// "0"; any other size must be positive.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "0" {
		return 0, nil
	}
	if strings.HasPrefix(t, "-") {
		return 0, invalidf("%q is negative: give a size such as 16GiB, or 0 for none", s)
	}
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	r, ok := new(big.Rat).SetString(num)
	if num == "" || !ok {
		return 0, invalidf("%q is not a size: write a number and a unit, such as 16GiB, 512MiB or 1.5GB", s)
	}
	mult, ok := byteUnits[strings.ToLower(unit)]
	if !ok {
		return 0, invalidf("%q has unknown unit %q: use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)", s, unit)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if r.Sign() == 0 {
		return 0, invalidf("%q is zero: write 0 for none, or a positive size", s)
	}
	// Round half up: floor((2n + d) / 2d).
	n := new(big.Int).Mul(r.Num(), big.NewInt(2))
	n.Add(n, r.Denom())
	n.Quo(n, new(big.Int).Mul(r.Denom(), big.NewInt(2)))
	if !n.IsInt64() {
		return 0, invalidf("%q is too large", s)
	}
	if n.Sign() == 0 {
		return 0, invalidf("%q is less than half a byte: write 0 for none, or a larger size", s)
	}
	return n.Int64(), nil
}

// ParsePercent parses a percentage ("2%") or a fraction ("0.02") into a fraction, which must
// lie strictly between 0 and 1.
func ParsePercent(s string) (float64, error) {
	t := strings.TrimSpace(s)
	percent := strings.HasSuffix(t, "%")
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, invalidf("%q is not a percentage: write one such as 2%% or a fraction such as 0.02", s)
	}
	hint := ""
	if percent {
		f /= 100
	} else {
		hint = percentHint(f)
	}
	if f <= 0 || f >= 1 {
		return 0, invalidf("%q is outside (0, 1): give a percentage between 0%% and 100%% such as 2%%, or a fraction such as 0.02%s", s, hint)
	}
	return f, nil
}

// sweepFields are the fields of a sweep file, in the order the documentation lists them.
var sweepFields = []string{"models", "precisions", "contexts", "generate", "batches", "weights", "warmup",
	"repeats", "min_repeats", "target_ci", "delay", "timeout", "memory_limit", "seed"}

// ParseSweepFile reads a sweep file: one JSON object whose fields describe a grid. name is the
// file's name, used in error messages.
//
//	{
//	  "models": ["gpt2", "gpt2-medium"],
//	  "precisions": ["fp16", "int8", "int4"],
//	  "contexts": [64, "128-512*2"],
//	  "generate": [32],
//	  "batches": "1,4",
//	  "weights": "auto",
//	  "warmup": 1,
//	  "repeats": 5,
//	  "min_repeats": 3,
//	  "target_ci": "2%",
//	  "delay": "5s",
//	  "timeout": "30m",
//	  "memory_limit": "16GiB",
//	  "seed": 0
//	}
//
// models is required; every other field has a default:
//
//	models        list of names    required: catalog names, checkpoint folders or Hugging Face ids
//	precisions    list of names    ["fp16"]
//	contexts      list of numbers  [128]
//	generate      list of numbers  [32]
//	batches       list of numbers  [1]
//	weights       string           "auto" (or "random", "checkpoint")
//	warmup        number           1
//	repeats       number           5; with target_ci, the most repetitions, 20 by default
//	min_repeats   number           3; the fewest repetitions, with target_ci only
//	target_ci     string or number 0, a fixed number of repetitions; else "2%" or 0.02
//	delay         duration string  "0s": cool-down between configurations
//	timeout       duration string  "30m": the longest one configuration may take
//	memory_limit  string or number 0, none; "16GiB", "16GB", or bytes (see ParseBytes)
//	seed          number           0
//
// A list of names is a JSON array of strings or one string; a list of numbers is a JSON array
// of numbers and strings, or one number or string. Each string in a list is itself a list in
// the syntax of the command-line flags: "gpt2,gpt2-medium" for names (see ParseStringList), and
// "1,2,8-32*2" for numbers (see ParseIntList). Values that repeat are kept once. Durations are
// Go durations ("90s", "1h30m").
//
// Field names are exact: an unknown field, a field given twice, a value of the wrong type and
// anything after the object are errors. Errors name the place in the file as name:line:column
// (the column counts bytes); ParseSweepFile reports every problem it finds with the fields,
// sorted by place, as *InvalidError values joined with errors.Join. What needs the catalog, such
// as an unknown model, is left to SweepSpec.Validate.
func ParseSweepFile(r io.Reader, name string) (SweepSpec, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return SweepSpec{}, &InvalidError{Msg: fmt.Sprintf("%s: %v", name, err)}
	}
	p := &sweepParser{name: name, data: data, values: map[string]int{}, failed: map[string]bool{}}
	spec, err := p.parse()
	if err != nil {
		return SweepSpec{}, err
	}
	return spec, nil
}

type sweepParser struct {
	name   string
	data   []byte
	values map[string]int  // offset of each field's value
	failed map[string]bool // fields whose value could not be read
	errs   []locatedError
}

type locatedError struct {
	off int
	msg string
}

func (p *sweepParser) parse() (SweepSpec, error) {
	start := p.skip(0, "")
	if start == len(p.data) {
		return SweepSpec{}, p.fatal(start, `the file is empty: a sweep file is one JSON object, such as {"models": ["gpt2"]}`)
	}
	dec := json.NewDecoder(bytes.NewReader(p.data))
	var whole json.RawMessage
	if err := dec.Decode(&whole); err != nil {
		return SweepSpec{}, p.syntaxError(err)
	}
	if p.data[start] != '{' {
		return SweepSpec{}, p.fatal(start, "a sweep file is one JSON object {...}, not %s", describeJSON(whole))
	}
	end := int(dec.InputOffset())

	// The object is valid JSON: walk its fields, knowing where each one starts.
	obj := p.data[:end]
	dec = json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return SweepSpec{}, p.syntaxError(err)
	}
	spec := SweepSpec{
		Precisions: []string{"fp16"},
		Contexts:   []int{128},
		Generates:  []int{32},
		Batches:    []int{1},
		Weights:    "auto",
		Warmup:     1,
		Repeats:    5,
		MinRepeats: 3,
		Timeout:    30 * time.Minute,
	}
	keys := map[string]int{}
	for dec.More() {
		keyOff := p.skip(int(dec.InputOffset()), ",")
		tok, err := dec.Token()
		if err != nil {
			return SweepSpec{}, p.syntaxError(err)
		}
		key := tok.(string) // an object key, in valid JSON
		valOff := p.skip(int(dec.InputOffset()), ":")
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return SweepSpec{}, p.syntaxError(err)
		}
		if first, dup := keys[key]; dup {
			p.errorf(keyOff, "field %q appears twice (first at %s): keep one", key, p.position(first))
			p.failed[key] = true
			continue
		}
		keys[key] = keyOff
		p.field(&spec, key, keyOff, valOff, raw)
	}
	if rest := p.skip(end, ""); rest < len(p.data) {
		p.errorf(rest, "data after the sweep object: a sweep file holds one JSON object; remove what follows its closing }")
	}
	if _, ok := keys["models"]; !ok {
		p.errorf(start, `missing field "models": name the models to measure, such as "models": ["gpt2"]`)
		p.failed["models"] = true
	}
	if _, ok := keys["repeats"]; !ok && spec.TargetCI > 0 {
		spec.Repeats = 20 // as --max-repeats
	}
	p.locate(spec.fieldProblems(), start)

	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b locatedError) int { return a.off - b.off })
		errs := make([]error, len(p.errs))
		for i, e := range p.errs {
			errs[i] = &InvalidError{Msg: fmt.Sprintf("%s:%s: %s", p.name, p.position(e.off), e.msg)}
		}
		return SweepSpec{}, errors.Join(errs...)
	}
	return spec, nil
}

// locate adds the problems found in the decoded spec, each at the field it concerns, or at
// the start of the object when it concerns none given in the file. Problems with a field that
// could not be read are left out: they come from its default, not from the file.
func (p *sweepParser) locate(probs []specProblem, objOff int) {
next:
	for _, pr := range probs {
		for _, f := range pr.fields {
			if p.failed[f] {
				continue next
			}
		}
		for _, f := range pr.fields {
			if off, ok := p.values[f]; ok {
				p.errorf(off, "%s: %s", f, pr.msg)
				continue next
			}
		}
		p.errorf(objOff, "%s", pr.msg)
	}
}

// field decodes one field into spec.
func (p *sweepParser) field(spec *SweepSpec, key string, keyOff, off int, raw json.RawMessage) {
	p.values[key] = off
	ok := true
	switch key {
	case "models":
		spec.Models, ok = p.stringList(key, off, raw, spec.Models)
	case "precisions":
		spec.Precisions, ok = p.stringList(key, off, raw, spec.Precisions)
	case "contexts":
		spec.Contexts, ok = p.intList(key, off, raw, spec.Contexts)
	case "generate":
		spec.Generates, ok = p.intList(key, off, raw, spec.Generates)
	case "batches":
		spec.Batches, ok = p.intList(key, off, raw, spec.Batches)
	case "weights":
		spec.Weights, ok = p.str(key, off, raw, spec.Weights)
	case "warmup":
		spec.Warmup, ok = p.integer(key, off, raw, spec.Warmup)
	case "repeats":
		spec.Repeats, ok = p.integer(key, off, raw, spec.Repeats)
	case "min_repeats":
		spec.MinRepeats, ok = p.integer(key, off, raw, spec.MinRepeats)
	case "seed":
		spec.Seed, ok = p.integer(key, off, raw, spec.Seed)
	case "target_ci":
		spec.TargetCI, ok = p.fraction(key, off, raw, spec.TargetCI)
	case "delay":
		spec.Delay, ok = p.duration(key, off, raw, spec.Delay)
	case "timeout":
		spec.Timeout, ok = p.duration(key, off, raw, spec.Timeout)
	case "memory_limit":
		spec.MemoryLimit, ok = p.bytes(key, off, raw, spec.MemoryLimit)
	default:
		delete(p.values, key)
		if s := suggestField(key); s != "" {
			p.errorf(keyOff, "unknown field %q; did you mean %q?", key, s)
		} else {
			p.errorf(keyOff, "unknown field %q; the fields are %s", key, strings.Join(sweepFields, ", "))
		}
		return
	}
	if !ok {
		p.failed[key] = true
	}
}

// element is one item of a JSON array, at its offset in the file.
type element struct {
	off int
	raw json.RawMessage
}

// items returns the elements of an array, or the value itself when it is not an array.
func (p *sweepParser) items(off int, raw json.RawMessage) []element {
	if raw[0] != '[' {
		return []element{{off, raw}}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.Token() // [
	var elems []element
	for dec.More() {
		eoff := off + skipIn(raw, int(dec.InputOffset()), ",")
		var r json.RawMessage
		if err := dec.Decode(&r); err != nil {
			break // not reached: the file is valid JSON
		}
		elems = append(elems, element{eoff, r})
	}
	return elems
}

func (p *sweepParser) stringList(key string, off int, raw json.RawMessage, def []string) ([]string, bool) {
	if raw[0] != '[' && raw[0] != '"' {
		p.errorf(off, `%s: want a list of names such as ["gpt2", "gpt2-medium"] or "gpt2,gpt2-medium", got %s`, key, describeJSON(raw))
		return def, false
	}
	elems := p.items(off, raw)
	if len(elems) == 0 {
		p.errorf(off, "%s: empty list: give at least one name", key)
		return def, false
	}
	var out []string
	ok := true
	for _, e := range elems {
		var s string
		if err := json.Unmarshal(e.raw, &s); err != nil {
			p.errorf(e.off, "%s: list items are names in quotes, got %s", key, describeJSON(e.raw))
			ok = false
			continue
		}
		vs, err := ParseStringList(s)
		if err != nil {
			p.errorf(e.off, "%s: %v", key, err)
			ok = false
			continue
		}
		for _, v := range vs {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	if !ok {
		return def, false
	}
	return out, true
}

func (p *sweepParser) intList(key string, off int, raw json.RawMessage, def []int) ([]int, bool) {
	if c := raw[0]; c != '[' && c != '"' && c != '-' && (c < '0' || c > '9') {
		p.errorf(off, `%s: want a list such as [128, 512], or a string such as "128-2048*2", got %s`, key, describeJSON(raw))
		return def, false
	}
	elems := p.items(off, raw)
	if len(elems) == 0 {
		p.errorf(off, "%s: empty list: give at least one number", key)
		return def, false
	}
	var out []int
	seen := map[int]bool{}
	ok := true
	for _, e := range elems {
		text := string(e.raw)
		switch c := e.raw[0]; {
		case c == '"':
			json.Unmarshal(e.raw, &text)
		case c == '-' || (c >= '0' && c <= '9'):
		default:
			p.errorf(e.off, `%s: list items are numbers, or strings such as "128-2048*2", got %s`, key, describeJSON(e.raw))
			ok = false
			continue
		}
		vs, err := ParseIntList(text)
		if err != nil {
			p.errorf(e.off, "%s: %v", key, err)
			ok = false
			continue
		}
		for _, v := range vs {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		if len(out) > maxListValues {
			p.errorf(off, "%s: more than %d values: a list may hold at most %d", key, maxListValues, maxListValues)
			return def, false
		}
	}
	if !ok {
		return def, false
	}
	return out, true
}

func (p *sweepParser) str(key string, off int, raw json.RawMessage, def string) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		p.errorf(off, "%s: want a string, got %s", key, describeJSON(raw))
		return def, false
	}
	return s, true
}

func (p *sweepParser) integer(key string, off int, raw json.RawMessage, def int) (int, bool) {
	if raw[0] == '"' {
		var s string
		json.Unmarshal(raw, &s)
		if _, err := strconv.Atoi(s); err == nil {
			p.errorf(off, "%s: want a number, got the string %q: drop the quotes", key, s)
			return def, false
		}
	}
	if !isNumber(raw) {
		p.errorf(off, "%s: want a whole number, got %s", key, describeJSON(raw))
		return def, false
	}
	v, err := strconv.Atoi(string(raw))
	if err != nil {
		p.errorf(off, "%s: want a whole number, got %s", key, raw)
		return def, false
	}
	return v, true
}

func (p *sweepParser) fraction(key string, off int, raw json.RawMessage, def float64) (float64, bool) {
	switch {
	case raw[0] == '"':
		var s string
		json.Unmarshal(raw, &s)
		f, err := ParsePercent(s)
		if err != nil {
			p.errorf(off, "%s: %v", key, err)
			return def, false
		}
		return f, true
	case isNumber(raw):
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			p.errorf(off, "%s: %s is out of range", key, raw)
			return def, false
		}
		return f, true // checked with the other fields
	}
	p.errorf(off, `%s: want a percentage such as "2%%" or a fraction such as 0.02, got %s`, key, describeJSON(raw))
	return def, false
}

func (p *sweepParser) duration(key string, off int, raw json.RawMessage, def time.Duration) (time.Duration, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		p.errorf(off, `%s: want a duration in quotes, such as "5s", "2m" or "1h30m", got %s`, key, describeJSON(raw))
		return def, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		p.errorf(off, `%s: %q is not a duration: write one such as "5s", "2m" or "1h30m"`, key, s)
		return def, false
	}
	return d, true
}

func (p *sweepParser) bytes(key string, off int, raw json.RawMessage, def int64) (int64, bool) {
	switch {
	case raw[0] == '"':
		var s string
		json.Unmarshal(raw, &s)
		n, err := ParseBytes(s)
		if err != nil {
			p.errorf(off, "%s: %v", key, err)
			return def, false
		}
		return n, true
	case isNumber(raw):
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			p.errorf(off, `%s: %s is not a whole number of bytes: write it as a string with a unit, such as "1.5GiB"`, key, raw)
			return def, false
		}
		return n, true
	}
	p.errorf(off, `%s: want a size such as "16GiB" or a number of bytes, got %s`, key, describeJSON(raw))
	return def, false
}

func isNumber(raw json.RawMessage) bool {
	return raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')
}

// describeJSON names the kind of a JSON value for an error message.
func describeJSON(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if isNumber(raw) {
		return "a number"
	}
	return fmt.Sprintf("%q", raw)
}

// suggestField returns the field a mistyped key probably meant, or "".
func suggestField(key string) string {
	k := strings.ReplaceAll(strings.ToLower(key), "-", "_")
	if k == "max_repeats" {
		return "repeats"
	}
	best, bestDist := "", 3
	for _, f := range sweepFields {
		d := editDistance(k, f)
		if len(k) >= 3 && (strings.HasPrefix(f, k) || strings.HasPrefix(k, f)) {
			d = min(d, 2)
		}
		if d < bestDist {
			best, bestDist = f, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (p *sweepParser) errorf(off int, format string, args ...any) {
	p.errs = append(p.errs, locatedError{off, fmt.Sprintf(format, args...)})
}

// fatal is an error that stops parsing.
func (p *sweepParser) fatal(off int, format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf("%s:%s: %s", p.name, p.position(off), fmt.Sprintf(format, args...))}
}

// syntaxError places a JSON syntax error in the file.
func (p *sweepParser) syntaxError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		end := len(bytes.TrimRight(p.data, " \t\r\n"))
		return p.fatal(end, "the file ends inside the sweep object: close every [ with ] and { with }")
	}
	// The decoder's offsets are not always those of the bad byte; Unmarshal's are.
	var v any
	var se *json.SyntaxError
	if errors.As(json.Unmarshal(p.data, &v), &se) {
		return p.fatal(max(int(se.Offset)-1, 0), "JSON syntax error: %v", se)
	}
	return p.fatal(0, "JSON syntax error: %v", err)
}

// skip returns the offset of the first byte at or after off that is neither white space nor
// one of the separators in seps.
func (p *sweepParser) skip(off int, seps string) int { return skipIn(p.data, off, seps) }

func skipIn(data []byte, off int, seps string) int {
	for off < len(data) && (strings.IndexByte(" \t\r\n", data[off]) >= 0 || strings.IndexByte(seps, data[off]) >= 0) {
		off++
	}
	return off
}

// position returns the line and column of a byte offset, both counted from 1, as "line:col".
func (p *sweepParser) position(off int) string {
	off = min(off, len(p.data))
	line := 1 + bytes.Count(p.data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(p.data[:off], '\n')
	return fmt.Sprintf("%d:%d", line, col)
}
