package compare

import (
	"cmp"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/inferbench/inferbench/storage"
)

// Key is a configuration as compare matches it. The memory budget is left out: it is one of
// the settings a comparison may be about.
type Key struct {
	Model, Precision, Weights string
	Context, Generate, Batch  int
}

func keyOf(r storage.Run) Key {
	return Key{r.Model, r.Precision, r.Weights, r.Context, r.Generate, r.Batch}
}

// Metric is one quantity compared, read from each stored repetition.
type Metric struct {
	Name           string // the column it comes from
	HigherIsBetter bool
	value          func(storage.Sample) (float64, bool)
}

// Metrics are what compare sets side by side.
var Metrics = []Metric{
	{"decode_tokens_per_sec", true, func(s storage.Sample) (float64, bool) {
		if s.DecodeTokensPerSec == nil {
			return 0, false
		}
		return *s.DecodeTokensPerSec, true
	}},
	{"prefill_tokens_per_sec", true, func(s storage.Sample) (float64, bool) { return s.PrefillTokensPerSec, s.PrefillTokensPerSec > 0 }},
	{"peak_memory_bytes", false, func(s storage.Sample) (float64, bool) { return float64(s.PeakMemoryBytes), s.PeakMemoryBytes > 0 }},
	{"joules_per_token", false, func(s storage.Sample) (float64, bool) {
		if s.JoulesPerToken == nil {
			return 0, false
		}
		return *s.JoulesPerToken, true
	}},
}

// Verdicts.
const (
	Regression  = "regression"
	Improvement = "improvement"
	Same        = "no change"
	TooFew      = "too few samples"
)

// Row is one metric of one configuration: the candidate's mean over the baseline's, with its
// bootstrap 95% interval.
type Row struct {
	Key
	Metric              string
	Baseline, Candidate float64 // means over units
	Ratio               float64
	Low, High           *float64 // nil with fewer than two units on a side
	BaselineN           int      // units: processes, or repetitions where a side has fewer than three processes
	CandidateN          int
	Verdict             string
}

// Options tune a comparison.
type Options struct {
	Threshold float64 // how far past 1 the interval must lie to flag a change; 0.05 is 5%
	Resamples int     // bootstrap resamples; 0 means DefaultResamples
}

// Defaults.
const (
	DefaultThreshold = 0.05
	DefaultResamples = 2000
)

// Compare matches the ok runs of base and cand by configuration and compares every metric both
// sides measured. Runs must carry their samples. Rows are sorted by configuration, then in the
// order of Metrics.
func Compare(base, cand []storage.Run, opt Options) []Row {
	if opt.Resamples <= 0 {
		opt.Resamples = DefaultResamples
	}
	b, c := byKey(base), byKey(cand)
	var keys []Key
	for k := range b {
		if _, ok := c[k]; ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y Key) int {
		return cmp.Or(cmp.Compare(x.Model, y.Model), cmp.Compare(x.Precision, y.Precision), cmp.Compare(x.Weights, y.Weights),
			cmp.Compare(x.Context, y.Context), cmp.Compare(x.Generate, y.Generate), cmp.Compare(x.Batch, y.Batch))
	})
	var rows []Row
	for _, k := range keys {
		for _, m := range Metrics {
			bu, cu := units(b[k], m), units(c[k], m)
			if len(bu) == 0 || len(cu) == 0 {
				continue
			}
			row := Row{Key: k, Metric: m.Name, Baseline: mean(bu), Candidate: mean(cu), BaselineN: len(bu), CandidateN: len(cu)}
			row.Ratio = row.Candidate / row.Baseline
			row.Verdict = TooFew
			if len(bu) >= 2 && len(cu) >= 2 {
				lo, hi := bootstrap(bu, cu, opt.Resamples, seed(k, m.Name))
				row.Low, row.High = &lo, &hi
				row.Verdict = verdict(lo, hi, opt.Threshold, m.HigherIsBetter)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// Regressions counts the rows flagged as regressions.
func Regressions(rows []Row) int {
	n := 0
	for _, r := range rows {
		if r.Verdict == Regression {
			n++
		}
	}
	return n
}

func byKey(runs []storage.Run) map[Key][]storage.Run {
	m := map[Key][]storage.Run{}
	for _, r := range runs {
		if r.Status == storage.StatusOK && len(r.Samples) > 0 {
			m[keyOf(r)] = append(m[keyOf(r)], r)
		}
	}
	return m
}

// units are the values a side's interval is drawn from. Repetitions inside one process share its
// state, so where a side has three or more processes (over its runs) each process's mean is one
// unit; otherwise each repetition is.
func units(runs []storage.Run, m Metric) []float64 {
	type group struct{ run, process int }
	groups := map[group][]float64{}
	var order []group
	var all []float64
	for i, r := range runs {
		for _, s := range r.Samples {
			v, ok := m.value(s)
			if !ok {
				continue
			}
			g := group{i, s.Process}
			if _, seen := groups[g]; !seen {
				order = append(order, g)
			}
			groups[g] = append(groups[g], v)
			all = append(all, v)
		}
	}
	if len(groups) < 3 {
		return all
	}
	var out []float64
	for _, g := range order {
		out = append(out, mean(groups[g]))
	}
	return out
}

// bootstrap is the percentile interval (2.5%, 97.5%) of the ratio of means, resampling each
// side's units with replacement. The generator is seeded by the configuration and metric, so
// the same data always gives the same interval.
func bootstrap(base, cand []float64, n int, seed uint64) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	ratios := make([]float64, n)
	for i := range ratios {
		ratios[i] = resampledMean(cand, rng) / resampledMean(base, rng)
	}
	slices.Sort(ratios)
	return quantile(ratios, 0.025), quantile(ratios, 0.975)
}

func resampledMean(xs []float64, rng *rand.Rand) float64 {
	var sum float64
	for range xs {
		sum += xs[rng.IntN(len(xs))]
	}
	return sum / float64(len(xs))
}

// quantile of sorted values, linearly interpolated.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

// verdict flags a change when the whole interval lies more than threshold beyond 1.
func verdict(lo, hi, threshold float64, higherIsBetter bool) string {
	up, down := lo > 1+threshold, hi < 1-threshold
	switch {
	case up && higherIsBetter, down && !higherIsBetter:
		return Improvement
	case up, down:
		return Regression
	}
	return Same
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func seed(k Key, metric string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(k.Model + "\x00" + k.Precision + "\x00" + k.Weights + "\x00" + metric))
	for _, v := range []int{k.Context, k.Generate, k.Batch} {
		h.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
	}
	return h.Sum64()
}
