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
	Observation                // the latest run, each measurement replaced by the runs' mean
	runIDs             []int64 // every run behind it
	decode, ttft, peak sum     // the runs' measurements, while they are being added up
}

// combineRepeats makes each configuration one observation at the mean of its
// runs. A configuration measured again (a rerun, a second pass of a sweep,
// `--force`) then counts once in the fit, as each other does, rather than
// once per run, and the value it is fitted and scored at averages the states
// of the host its runs met: on a GPU bound by the host's dispatch, reruns of
// one configuration spread by ±15–25%. Runs that cannot be fitted are left
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
		r.DecodeMsPerToken, r.TTFTMs = r.decode.mean(), r.ttft.mean()
		r.PeakMemoryBytes = int64(math.Round(r.peak.mean()))
		slices.Sort(r.runIDs)
	}
	return out
}

// sum accumulates a measurement over runs, skipping those that lack it (0:
// decode of a run that generated one token).
type sum struct {
	total float64
	n     int
}

func (s *sum) add(v float64) {
	if v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
		s.total += v
		s.n++
	}
}

// mean is 0 when no run had the measurement, as in a single run.
func (s sum) mean() float64 {
	if s.n == 0 {
		return 0
	}
	return s.total / float64(s.n)
}
