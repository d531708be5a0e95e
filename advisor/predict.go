package advisor

import (
	"math"

	"github.com/inferbench/inferbench/advisor/physics"
)

// Prediction is what a fit expects of a configuration, each value with its
// 95% prediction interval: the range a new measurement should fall in.
type Prediction struct {
	DecodeMsPerToken float64 `json:"decode_ms_per_token"`
	DecodeLow        float64 `json:"decode_low"`
	DecodeHigh       float64 `json:"decode_high"`
	TTFTMs           float64 `json:"ttft_ms"`
	TTFTLow          float64 `json:"ttft_low"`
	TTFTHigh         float64 `json:"ttft_high"`
	PeakMemoryBytes  int64   `json:"peak_memory_bytes"`
	PeakLow          int64   `json:"peak_low"`
	PeakHigh         int64   `json:"peak_high"`
	// PInteractive is the probability that decode is faster than the fit's
	// threshold.
	PInteractive float64 `json:"p_interactive"`
}

// Predict predicts a configuration. Params and WeightBytes should be the
// loaded model's (EstimateParams and EstimateWeightBytes approximate them
// for one never loaded); Shape drives the KV-cache and activation terms.
func (f *Fit) Predict(q Query) Prediction {
	p := physics.Derive(f.onKnownMachine(q))
	var pr Prediction
	d := f.Decode.Estimate(p)
	pr.DecodeMsPerToken = d.Value()
	pr.DecodeLow, pr.DecodeHigh = d.Interval()
	t := f.TTFT.Estimate(p)
	pr.TTFTMs = t.Value()
	pr.TTFTLow, pr.TTFTHigh = t.Interval()
	m := f.Memory.Estimate(p)
	lo, hi := m.Interval()
	pr.PeakMemoryBytes, pr.PeakLow, pr.PeakHigh = bytes(m.Value()), bytes(lo), bytes(hi)
	pr.PInteractive = f.Interactive.Prob(p, d)
	return pr
}

// onKnownMachine maps a query's bandwidth onto the machines the fit knows.
// A fit trained where the bandwidth was unknown learned an effective one and
// cannot use a nominal figure; a fit trained only on machines of known
// bandwidth takes a query without one to be on a typical one of them.
func (f *Fit) onKnownMachine(q Query) Query {
	switch {
	case q.BandwidthGBs > 0 && len(f.BandwidthsGBs) == 0:
		q.BandwidthGBs = 0
	case q.BandwidthGBs <= 0 && !f.UnknownBandwidth && len(f.BandwidthsGBs) > 0:
		q.BandwidthGBs = f.BandwidthsGBs[len(f.BandwidthsGBs)/2]
	}
	return q
}

func bytes(x float64) int64 {
	if x >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(math.Round(x))
}
