package report

import "github.com/inferbench/inferbench/compare"

// CompareColumns are the columns of `inferbench compare`: one row per configuration and metric.
func CompareColumns() []Column[compare.Row] {
	f := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return []Column[compare.Row]{
		{Name: "model", Type: "text", Meaning: "as in the run columns", EmptyWhen: "never",
			Value: func(r *compare.Row) any { return r.Model }},
		{Name: "precision", Type: "text", Meaning: "as in the run columns", EmptyWhen: "never",
			Value: func(r *compare.Row) any { return r.Precision }},
		{Name: "weights", Type: "text", Meaning: "as in the run columns", EmptyWhen: "never",
			Value: func(r *compare.Row) any { return r.Weights }},
		{Name: "context", Type: "integer", Unit: "tokens", Meaning: "as in the run columns", EmptyWhen: "never",
			Value: func(r *compare.Row) any { return r.Context }},
		{Name: "generate", Type: "integer", Unit: "tokens", Meaning: "as in the run columns", EmptyWhen: "never",
			Value: func(r *compare.Row) any { return r.Generate }},
		{Name: "batch", Type: "integer", Unit: "sequences", Meaning: "as in the run columns", EmptyWhen: "never",
			Value: func(r *compare.Row) any { return r.Batch }},
		{Name: "metric", Type: "text",
			Meaning:   "the quantity compared: `decode_tokens_per_sec`, `prefill_tokens_per_sec`, `peak_memory_bytes` or `joules_per_token`, read from each stored repetition",
			EmptyWhen: "never",
			Value:     func(r *compare.Row) any { return r.Metric }},
		{Name: "baseline", Type: "number", Meaning: "the baseline's mean, in the metric's unit", EmptyWhen: "never",
			Value: func(r *compare.Row) any { return r.Baseline }},
		{Name: "candidate", Type: "number", Meaning: "the candidate's mean", EmptyWhen: "never",
			Value: func(r *compare.Row) any { return r.Candidate }},
		{Name: "ratio", Type: "number", Meaning: "`candidate / baseline`", EmptyWhen: "never",
			Value: func(r *compare.Row) any { return r.Ratio }},
		{Name: "ratio_ci95_low", Type: "number",
			Meaning:   "lower end of the ratio's 95% bootstrap interval, resampling each side's units",
			EmptyWhen: "fewer than 2 units on a side",
			Value:     func(r *compare.Row) any { return f(r.Low) }},
		{Name: "ratio_ci95_high", Type: "number", Meaning: "upper end of the same interval",
			EmptyWhen: "fewer than 2 units on a side",
			Value:     func(r *compare.Row) any { return f(r.High) }},
		{Name: "baseline_units", Type: "integer",
			Meaning:   "the baseline's units: its processes where its runs used three or more, else its repetitions",
			EmptyWhen: "never",
			Value:     func(r *compare.Row) any { return r.BaselineN }},
		{Name: "candidate_units", Type: "integer", Meaning: "the candidate's units", EmptyWhen: "never",
			Value: func(r *compare.Row) any { return r.CandidateN }},
		{Name: "verdict", Type: "text",
			Meaning:   "`regression` or `improvement` when the whole interval lies beyond 1 by more than the threshold (higher is better for tokens/s, lower for memory and J/token), `no change`, or `too few samples`",
			EmptyWhen: "never",
			Value:     func(r *compare.Row) any { return r.Verdict }},
	}
}
