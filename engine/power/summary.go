package power

import (
	"math"
	"slices"
	"time"
)

// Window is one repetition's wall clock, in Unix seconds as the worker reports it: prefill from
// Start to FirstToken, decode from FirstToken to End.
type Window struct {
	Start, FirstToken, End float64
	Tokens                 int // tokens generated in the window (batch × generate)
}

// Clocks are the minimum, median and maximum of a clock during a run, in MHz.
type Clocks struct{ Min, Median, Max float64 }

// Rep is what one repetition cost; nil where the meter could not say.
type Rep struct {
	EnergyJ        *float64
	JoulesPerToken *float64
}

// Summary is what a run cost and how its clocks went.
type Summary struct {
	Source         string
	EnergyJ        *float64 // over every measured repetition, prefill and decode
	JoulesPerToken *float64 // EnergyJ over the tokens generated
	PrefillWatts   *float64 // energy over time, prefill windows only
	DecodeWatts    *float64 // energy over time, decode windows only
	Reps           []Rep    // one per window, in order
	CPU, GPU       *Clocks
	// Throttled: a clock fell more than ThrottleDrop below its value at the start of the run.
	Throttled bool
}

// ThrottleDrop is how far below its start a clock must fall for a run to count as throttled.
const ThrottleDrop = 0.10

// Summarize integrates readings over windows. Energy between two readings is taken as spread
// evenly over the interval (counters are interpolated linearly, power draw by the trapezoid
// rule), so a repetition shorter than the sampling interval gets its share of the interval's
// energy rather than nothing. A window not covered by readings on both sides has no energy.
func Summarize(source string, readings []Reading, windows []Window) Summary {
	s := Summary{Source: source, Reps: make([]Rep, len(windows))}
	if e := cumulative(readings); e != nil {
		var total, prefillJ, prefillS, decodeJ, decodeS float64
		var tokens, covered int
		for i, w := range windows {
			j, ok := e.between(w.Start, w.End)
			if !ok {
				continue
			}
			s.Reps[i].EnergyJ = &j
			if w.Tokens > 0 {
				s.Reps[i].JoulesPerToken = ptr(j / float64(w.Tokens))
			}
			total += j
			tokens += w.Tokens
			covered++
			if pj, ok := e.between(w.Start, w.FirstToken); ok {
				prefillJ, prefillS = prefillJ+pj, prefillS+w.FirstToken-w.Start
			}
			if dj, ok := e.between(w.FirstToken, w.End); ok {
				decodeJ, decodeS = decodeJ+dj, decodeS+w.End-w.FirstToken
			}
		}
		if covered == len(windows) && covered > 0 {
			s.EnergyJ = &total
			if tokens > 0 {
				s.JoulesPerToken = ptr(total / float64(tokens))
			}
			if prefillS > 0 {
				s.PrefillWatts = ptr(prefillJ / prefillS)
			}
			if decodeS > 0 {
				s.DecodeWatts = ptr(decodeJ / decodeS)
			}
		}
	}
	during := within(readings, windows)
	var thr bool
	s.CPU, thr = clocks(during, func(r Reading) float64 { return r.CPUMHz })
	s.Throttled = thr
	s.GPU, thr = clocks(during, func(r Reading) float64 { return r.GPUMHz })
	s.Throttled = s.Throttled || thr
	return s
}

// within returns the readings taken while the repetitions ran (first start to last end), or
// all of them when none was.
func within(readings []Reading, windows []Window) []Reading {
	if len(windows) == 0 {
		return readings
	}
	from, to := windows[0].Start, windows[0].End
	for _, w := range windows {
		from, to = min(from, w.Start), max(to, w.End)
	}
	var in []Reading
	for _, r := range readings {
		if t := unix(r.At); t >= from && t <= to {
			in = append(in, r)
		}
	}
	if len(in) == 0 {
		return readings
	}
	return in
}

// clocks gives a clock's spread over readings and whether it fell more than ThrottleDrop below
// its first value; nil when no reading had it.
func clocks(readings []Reading, get func(Reading) float64) (*Clocks, bool) {
	var xs []float64
	for _, r := range readings {
		if v := get(r); v > 0 {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return nil, false
	}
	start := xs[0]
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	c := &Clocks{Min: sorted[0], Max: sorted[len(sorted)-1], Median: median(sorted)}
	return c, c.Min < (1-ThrottleDrop)*start
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// energyCurve is cumulative energy at increasing times.
type energyCurve struct{ t, j []float64 }

// cumulative turns readings into cumulative energy: counters as they are, power draw
// integrated by the trapezoid rule. Nil when the readings carry neither.
func cumulative(readings []Reading) *energyCurve {
	rs := slices.Clone(readings)
	slices.SortStableFunc(rs, func(a, b Reading) int { return a.At.Compare(b.At) })
	var e energyCurve
	var origin, prevW float64
	haveOrigin := false
	for _, r := range rs {
		t := unix(r.At)
		switch {
		case r.HasEnergy:
			if !haveOrigin {
				origin, haveOrigin = r.EnergyJ, true
			}
			e.t, e.j = append(e.t, t), append(e.j, r.EnergyJ-origin)
		case r.HasWatts:
			j := 0.0
			if n := len(e.t); n > 0 {
				j = e.j[n-1] + (t-e.t[n-1])*(r.Watts+prevW)/2
			}
			prevW = r.Watts
			e.t, e.j = append(e.t, t), append(e.j, j)
		}
	}
	if len(e.t) < 2 {
		return nil
	}
	return &e
}

// at is the cumulative energy at t, interpolated; false outside the readings.
func (e *energyCurve) at(t float64) (float64, bool) {
	n := len(e.t)
	if t < e.t[0] || t > e.t[n-1] || math.IsNaN(t) {
		return 0, false
	}
	i, _ := slices.BinarySearch(e.t, t)
	if i == 0 {
		return e.j[0], true
	}
	if e.t[i-1] == t || i == n {
		return e.j[i-1], true
	}
	f := (t - e.t[i-1]) / (e.t[i] - e.t[i-1])
	return e.j[i-1] + f*(e.j[i]-e.j[i-1]), true
}

func (e *energyCurve) between(from, to float64) (float64, bool) {
	if to < from {
		return 0, false
	}
	a, ok := e.at(from)
	if !ok {
		return 0, false
	}
	b, ok := e.at(to)
	if !ok {
		return 0, false
	}
	return b - a, true
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func ptr(v float64) *float64 { return &v }
