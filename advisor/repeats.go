package advisor

import (
	"math"
	"slices"
)

// usable says whether a run can be fitted: a success with the sizes the
// physics needs.
func usable(o Observation) bool {
	return o.Status == StatusOK && o.Params > 0 && o.WeightBytes > 0 && o.Context > 0
}

// repeated is a configuration and the runs that measured it.
type repeated struct {
	Observation                 // the latest run, each measurement replaced by the runs' combined one
	runIDs             []int64  // every run behind it
	decode, ttft, peak extremum // the runs' measurements, while they are being combined
}

// combineRepeats makes each configuration one observation. A configuration
// measured again (a rerun, a second pass of a sweep, `--force`) then counts
// once in the fit, as each other does, rather than once per run.
//
// Its times are those of its fastest run, and its peak memory the largest
// any run reached. What moves a time between runs only ever adds to it: on
// a GPU bound by the host's dispatch, the host beneath a virtual machine
// has slow stretches of tens of seconds in which a run takes 1.5–2× as long,
// and on a laptop it is other work and heat. The fastest of runs minutes
// apart is then the best estimate of what the configuration costs on this
// machine, as timing tools that face the same noise conclude (Python's
// timeit; Chen and Revels, "Robust benchmarking in noisy environments",
// 2016): their mean mixes slow and fast states into a value neither state
// gives. Peak memory moves with what MLX's allocator happens to hold, and
// the question it answers is whether a configuration fits, so the most it
// has needed is the figure to plan by. Runs that cannot be fitted are left
// out; the order is that of each configuration's first run.
func combineRepeats(obs []Observation) []repeated {
	index := map[string]int{}
	var out []repeated
	for _, o := range obs {
		if !usable(o) {
			continue
		}
		k := o.Query().Key()
		i, seen := index[k]
		if !seen {
			i = len(out)
			index[k] = i
			out = append(out, repeated{})
		}
		r := &out[i]
		if !seen || o.RunID > r.RunID {
			r.Observation = o
		}
		r.runIDs = append(r.runIDs, o.RunID)
		r.decode.add(o.DecodeMsPerToken)
		r.ttft.add(o.TTFTMs)
		r.peak.add(float64(o.PeakMemoryBytes))
	}
	for i := range out {
		r := &out[i]
		r.DecodeMsPerToken, r.TTFTMs = r.decode.min, r.ttft.min
		r.PeakMemoryBytes = int64(r.peak.max)
		slices.Sort(r.runIDs)
	}
	return out
}

// extremum tracks the least and the largest of a measurement over runs,
// skipping runs that lack it (0: decode of a run that generated one token);
// both stay 0 when no run has it, as in a single run.
type extremum struct {
	min, max float64
	n        int
}

func (e *extremum) add(v float64) {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return
	}
	if e.n == 0 || v < e.min {
		e.min = v
	}
	if e.n == 0 || v > e.max {
		e.max = v
	}
	e.n++
}

// Combine is obs as the fit sees them: one observation per configuration, at
// its fastest run's times and its largest peak memory, under its latest run's
// id (combineRepeats). A measured configuration shown beside predictions is
// then what the fit was trained on.
func Combine(obs []Observation) []Observation {
	rs := combineRepeats(obs)
	out := make([]Observation, len(rs))
	for i, r := range rs {
		out[i] = r.Observation
	}
	return out
}
