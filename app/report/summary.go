package report

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// SummaryStatistic says which statistic each column of the summary table shows; the table
// prints it under itself so that no figure needs guessing.
const SummaryStatistic = "tokens/s: mean over repetitions, decode with its 95% interval; " +
	"ms/token: p50 and p95 of every decode step's latency, which a batch shares"

// Marks beside an interval in the summary table, explained under it when used.
const (
	markOneProcess = "*" // repetitions of one worker process: reruns in fresh processes spread more
	markFewReps    = "!" // fewer than 3 repetitions: the interval is wider than it is useful
)

// MinIntervalReps is the fewest repetitions whose 95% interval is worth reading: with two, the
// t quantile is 12.7 and the interval is wider than the mean it brackets. Below it the summary
// marks the interval and a plan warns.
const MinIntervalReps = 3

// WriteSummary writes runs as a llama-bench-style table, one row per run: model, precision,
// context, batch, generate, prefill and decode tokens/s with the interval, ms/token p50 and
// p95, peak memory and status. withID adds each run's id and time, as `inferbench runs` shows.
func WriteSummary(w io.Writer, runs []storage.Run, withID bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "MODEL\tPRECISION\tCTX\tBATCH\tGEN\tPREFILL T/S\tDECODE T/S\t± 95%\tREPS\tMS/TOKEN P50\tP95\tPEAK MEM\tSTATUS\t"
	if withID {
		head = "ID\tWHEN\t" + head
	}
	fmt.Fprintln(tw, head)
	num := func(p *float64, f string) string {
		if p == nil {
			return "–"
		}
		return fmt.Sprintf(f, *p)
	}
	used := map[string]bool{}
	for _, r := range runs {
		ci := "–"
		if r.DecodeTokensPerSecCI95 != nil {
			ci = fmt.Sprintf("%.2f", *r.DecodeTokensPerSecCI95)
			if len(r.Samples) > 0 && len(r.Samples) < MinIntervalReps || len(r.Samples) == 0 && r.Repeats < MinIntervalReps {
				ci += markFewReps
				used[markFewReps] = true
			} else if r.Processes <= 1 && r.DecodeCIBasis != engine.BasisHistory {
				ci += markOneProcess
				used[markOneProcess] = true
			}
		}
		reps := "–"
		if r.Status == storage.StatusOK {
			n := r.Repeats
			if len(r.Samples) > 0 {
				n = len(r.Samples)
			}
			reps = fmt.Sprintf("%d", n)
			if r.Processes > 1 {
				reps += fmt.Sprintf("/%dp", r.Processes)
			}
		}
		peak := "–"
		if r.PeakMemoryBytes != nil {
			peak = HumanBytes(*r.PeakMemoryBytes)
		}
		status := r.Status
		if r.Stability == engine.StabilityShift {
			status += ", unstable"
		}
		row := fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t", r.Model, r.Precision, r.Context, r.Batch, r.Generate,
			num(r.PrefillTokensPerSec, "%.1f"), num(r.DecodeTokensPerSec, "%.2f"), ci, reps,
			num(r.DecodeMsPerToken, "%.2f"), num(r.DecodeMsPerTokenP95, "%.2f"), peak, status)
		if withID {
			row = fmt.Sprintf("%d\t%s\t", r.ID, r.CreatedAt.Local().Format("2006-01-02 15:04")) + row
		}
		fmt.Fprintln(tw, row)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, SummaryStatistic+".")
	if used[markOneProcess] {
		fmt.Fprintln(w, markOneProcess+" within one worker process: a rerun spreads more; --processes 3 gives an interval a rerun lands in.")
	}
	if used[markFewReps] {
		fmt.Fprintf(w, "%s from fewer than %d repetitions: too wide to compare by; use --repeats 5.\n", markFewReps, MinIntervalReps)
	}
	return nil
}

// Plural picks the noun for n of it.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
