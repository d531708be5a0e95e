package advisor

import (
	"cmp"
	"slices"
)

// Candidate is a configuration to consider, with its measurement when there
// is one.
type Candidate struct {
	Query
	Measured *Observation // nil when not measured
}

// Recommendation is a feasible configuration. MsPerToken, PeakMemoryBytes
// and PInteractive are the measured values when Measured, the predicted ones
// otherwise; Prediction always holds the prediction.
type Recommendation struct {
	Query      `json:"query"`
	Prediction `json:"prediction"`

	Measured        bool    `json:"measured"`
	MsPerToken      float64 `json:"ms_per_token"`
	TokensPerSec    float64 `json:"tokens_per_sec"` // the whole batch's
	PeakMemoryBytes int64   `json:"peak_memory_bytes"`
	HeadroomBytes   int64   `json:"headroom_bytes"` // budget less peak memory
	PInteractive    float64 `json:"p_interactive"`
}

// Recommend ranks the candidates that fit memoryBudget and decode within
// maxMsPerToken, fastest first (lowest ms/token, then highest tokens/s).
// Zero or negative limits do not limit. A measurement overrides the
// prediction for its candidate: a run that ran out of memory is infeasible,
// and a successful one is ranked by what was measured, with PInteractive 1
// or 0 by its measured speed. Runs that failed otherwise say nothing of
// speed, and the candidate is predicted.
func (f *Fit) Recommend(cands []Candidate, memoryBudget int64, maxMsPerToken float64) []Recommendation {
	var out []Recommendation
	for _, c := range cands {
		r := Recommendation{Query: c.Query, Prediction: f.Predict(c.Query)}
		r.MsPerToken, r.PeakMemoryBytes, r.PInteractive = r.Prediction.DecodeMsPerToken, r.Prediction.PeakMemoryBytes, r.Prediction.PInteractive
		if m := c.Measured; m != nil {
			if m.Status == StatusOOM {
				continue
			}
			if m.Status == StatusOK && m.DecodeMsPerToken > 0 && m.PeakMemoryBytes > 0 {
				r.Measured = true
				r.MsPerToken, r.PeakMemoryBytes = m.DecodeMsPerToken, m.PeakMemoryBytes
				r.PInteractive = 0
				if m.DecodeMsPerToken < f.ThresholdMs {
					r.PInteractive = 1
				}
			}
		}
		if memoryBudget > 0 && r.PeakMemoryBytes > memoryBudget {
			continue
		}
		if maxMsPerToken > 0 && r.MsPerToken > maxMsPerToken {
			continue
		}
		r.TokensPerSec = float64(max(c.Batch, 1)) * 1000 / r.MsPerToken
		if memoryBudget > 0 {
			r.HeadroomBytes = memoryBudget - r.PeakMemoryBytes
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Recommendation) int {
		return cmp.Or(cmp.Compare(a.MsPerToken, b.MsPerToken), cmp.Compare(b.TokensPerSec, a.TokensPerSec))
	})
	return out
}
