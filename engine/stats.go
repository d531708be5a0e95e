package engine

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Summary aggregates a configuration's repetitions. Pointers are nil where there is nothing to
// aggregate (no decode tokens, a single repetition for a confidence interval).
type Summary struct {
	Repeats                int
	TTFTMs                 *float64 // median over repetitions
	PrefillTokensPerSec    *float64 // median over repetitions
	DecodeMsPerToken       *float64 // median over every decode token of every repetition
	DecodeMsPerTokenMean   *float64
	DecodeMsPerTokenStd    *float64
	DecodeMsPerTokenP95    *float64
	DecodeTokensPerSec     *float64 // mean over repetitions
	DecodeTokensPerSecCI95 *float64 // half-width of the 95% confidence interval of that mean
	PeakMemoryBytes        *int64   // max over repetitions
	RSSBytes               *int64   // max over repetitions
}

// Summarize aggregates samples; an empty slice gives an empty summary.
func Summarize(samples []Sample) Summary {
	s := Summary{Repeats: len(samples)}
	if len(samples) == 0 {
		return s
	}
	var ttft, prefill, tps, lat []float64
	var peak, rss int64
	for _, x := range samples {
		ttft = append(ttft, x.TTFTMs)
		prefill = append(prefill, x.PrefillTokensPerSec)
		if x.DecodeTokensPerSec != nil {
			tps = append(tps, *x.DecodeTokensPerSec)
		}
		lat = append(lat, x.TokenLatenciesMs...)
		peak = max(peak, x.PeakMemoryBytes)
		rss = max(rss, x.RSSBytes)
	}
	s.TTFTMs = ptr(Percentile(ttft, 50))
	s.PrefillTokensPerSec = ptr(Percentile(prefill, 50))
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
	if len(tps) > 0 {
		s.DecodeTokensPerSec = ptr(stat.Mean(tps, nil))
		if hw, ok := CI95HalfWidth(tps); ok {
			s.DecodeTokensPerSecCI95 = &hw
		}
	}
	return s
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
