package engine

import (
	"maps"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Summary aggregates a configuration's repetitions. Pointers are nil where there is nothing to
// aggregate (no decode tokens, a single repetition for a confidence interval).
type Summary struct {
	Repeats              int
	TTFTMs               *float64 // median over repetitions
	PrefillTokensPerSec  *float64 // median over repetitions
	DecodeMsPerToken     *float64 // median over every decode token of every repetition
	DecodeMsPerTokenMean *float64
	DecodeMsPerTokenStd  *float64
	DecodeMsPerTokenP95  *float64
	DecodeTokensPerSec   *float64 // mean over repetitions
	// DecodeTokensPerSecCI95 is the half-width of the 95% interval that the mean of a rerun of the
	// same design lands in (RerunInterval), from the samples alone: over process means when the
	// run used several processes, over repetitions otherwise. Interval says which.
	DecodeTokensPerSecCI95 *float64
	Interval               Interval
	PrefillMs              *float64 // median time of every prompt token but the last
	PeakMemoryBytes        *int64   // max over repetitions
	RSSBytes               *int64   // max over repetitions
	Processes              int      // worker processes the repetitions were split over
	// Stability is StabilityShift when the repetitions of one process fall into two levels,
	// StabilityStable when they do not, and "" with fewer than three repetitions per process.
	Stability string
}

// Stability verdicts.
const (
	StabilityStable = "stable"
	StabilityShift  = "level shift"
)

// Summarize aggregates samples; an empty slice gives an empty summary.
func Summarize(samples []Sample) Summary {
	s := Summary{Repeats: len(samples)}
	if len(samples) == 0 {
		return s
	}
	var ttft, prefill, prefillMs, lat []float64
	var peak, rss int64
	for _, x := range samples {
		ttft = append(ttft, x.TTFTMs)
		prefill = append(prefill, x.PrefillTokensPerSec)
		prefillMs = append(prefillMs, x.PrefillMs)
		lat = append(lat, x.TokenLatenciesMs...)
		peak = max(peak, x.PeakMemoryBytes)
		rss = max(rss, x.RSSBytes)
	}
	s.TTFTMs = ptr(Percentile(ttft, 50))
	s.PrefillTokensPerSec = ptr(Percentile(prefill, 50))
	s.PrefillMs = ptr(Percentile(prefillMs, 50))
	s.Processes = 1
	for _, x := range samples {
		s.Processes = max(s.Processes, x.Process+1)
	}
	s.PeakMemoryBytes, s.RSSBytes = &peak, &rss
	if len(lat) > 0 {
		mean, std := stat.MeanStdDev(lat, nil)
		if len(lat) == 1 {
			std = 0
		}
		s.DecodeMsPerToken = ptr(Percentile(lat, 50))
		s.DecodeMsPerTokenP95 = ptr(Percentile(lat, 95))
		s.DecodeMsPerTokenMean, s.DecodeMsPerTokenStd = &mean, &std
	}
	if byProcess, reps := decodeByProcess(samples); len(reps) > 0 {
		s.DecodeTokensPerSec = ptr(stat.Mean(reps, nil))
		if iv, ok := RerunInterval(processMeans(byProcess), reps, Spread{}); ok {
			s.DecodeTokensPerSecCI95, s.Interval = &iv.HalfWidth, iv
		}
		s.Stability = stability(byProcess)
	}
	return s
}

// DecodeUnits are the samples' decode tokens/s as the intervals use them: the mean of each
// process, in process order, and every repetition in the order it ran.
func DecodeUnits(samples []Sample) (procs, reps []float64) {
	byProcess, reps := decodeByProcess(samples)
	return processMeans(byProcess), reps
}

// decodeByProcess groups the samples' decode tokens/s by the process that measured them, each in
// the order it ran, and lists them all in that order too.
func decodeByProcess(samples []Sample) (byProcess map[int][]float64, reps []float64) {
	byProcess = map[int][]float64{}
	for _, x := range samples {
		if x.DecodeTokensPerSec != nil {
			reps = append(reps, *x.DecodeTokensPerSec)
			byProcess[x.Process] = append(byProcess[x.Process], *x.DecodeTokensPerSec)
		}
	}
	return byProcess, reps
}

// processMeans is the mean of each process's values, in process order.
func processMeans(byProcess map[int][]float64) []float64 {
	ps := slices.Sorted(maps.Keys(byProcess))
	means := make([]float64, len(ps))
	for i, p := range ps {
		means[i] = stat.Mean(byProcess[p], nil)
	}
	return means
}

// RerunHalfWidth is the half-width of the 95% interval, around the mean of units, in which the
// mean of as many new units lands: Student's t over their spread, for the difference of two
// means. A unit is a repetition, or a whole process when a run used several: repetitions inside
// one process follow each other in time and share its state, so only processes show the spread a
// rerun meets.
func RerunHalfWidth(units []float64) (float64, bool) {
	n := len(units)
	if n < 2 {
		return 0, false
	}
	sd := stat.StdDev(units, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	return t * sd * math.Sqrt(2/float64(n)), true
}

// stability judges every process's repetitions; one shift anywhere makes the run a shift.
func stability(byProcess map[int][]float64) string {
	verdict := ""
	for _, xs := range byProcess {
		if len(xs) < 3 {
			continue
		}
		if _, shifted := LevelShift(xs); shifted {
			return StabilityShift
		}
		verdict = StabilityStable
	}
	return verdict
}

// ShiftThreshold is the smallest relative step between two levels that LevelShift reports:
// smaller steps are within the ordinary jitter of a busy host.
const ShiftThreshold = 0.10

// LevelShift finds where a sequence of repetitions (in the order they ran) steps from one level
// to another: a split into a leading and a trailing segment whose values do not overlap and
// whose means differ by at least ShiftThreshold of the overall mean. It returns the index of
// the first repetition after the step. A device that changes state mid-run (a GPU reaching its
// clocks, a host core changing speed) shows this way; averaging the two levels would describe
// neither.
func LevelShift(xs []float64) (int, bool) {
	n := len(xs)
	if n < 3 {
		return 0, false
	}
	mean := stat.Mean(xs, nil)
	best, at := 0.0, 0
	for k := 1; k < n; k++ {
		left, right := xs[:k], xs[k:]
		lo, hi := slices.Min(left), slices.Max(left)
		rlo, rhi := slices.Min(right), slices.Max(right)
		if !(hi < rlo || rhi < lo) {
			continue // the segments overlap: noise around one level, or a drift
		}
		if d := math.Abs(stat.Mean(left, nil)-stat.Mean(right, nil)) / mean; d > best {
			best, at = d, k
		}
	}
	return at, best >= ShiftThreshold
}

// CI95HalfWidth is the half-width of the 95% confidence interval of the mean of xs, from
// Student's t distribution; it needs at least two values.
func CI95HalfWidth(xs []float64) (float64, bool) {
	n := len(xs)
	if n < 2 {
		return 0, false
	}
	sd := stat.StdDev(xs, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	return t * sd / math.Sqrt(float64(n)), true
}

// Percentile returns the p-th percentile (0–100) of xs with linear interpolation between closest
// ranks, the definition numpy and pandas use by default. xs is not modified.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	pos := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	frac := pos - float64(lo)
	return sorted[lo] + frac*(sorted[hi]-sorted[lo])
}

func ptr[T any](v T) *T { return &v }
