package grid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/engine"
)

var sweepFields = []string{"models", "precisions", "contexts", "generate", "batches", "weights", "warmup",
	"repeats", "processes", "min_repeats", "target_ci", "delay", "timeout", "memory_limit", "seed"}

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
//	  "processes": 1,
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
//	processes     number           1; worker processes the repetitions are split over
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
		return SweepSpec{}, &engine.InvalidError{Msg: fmt.Sprintf("%s: %v", name, err)}
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
	spec := DefaultSweepSpec()
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
		spec.Repeats = DefaultMaxRepeats
	}
	p.locate(spec.fieldProblems(), start)

	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b locatedError) int { return a.off - b.off })
		errs := make([]error, len(p.errs))
		for i, e := range p.errs {
			errs[i] = &engine.InvalidError{Msg: fmt.Sprintf("%s:%s: %s", p.name, p.position(e.off), e.msg)}
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
	case "processes":
		spec.Processes, ok = p.integer(key, off, raw, spec.Processes)
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
