package measure

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/progress"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// sweeper runs a planned grid through one session: it skips what is already measured and what
// an earlier out-of-memory failure rules out, measures the rest one configuration at a time and
// stores each run as it completes, so a sweep stopped in any way resumes where it stopped.
type sweeper struct {
	bench    *app.Bench
	progress *progress.Printer
	force    bool
	delay    time.Duration
}

// sweepTally counts how configurations ended.
type sweepTally struct {
	total, measured, already, skipped, invalid int
	byStatus                                   map[string]int
	runs                                       []storage.Run // stored by this sweep, in order
}

// stored counts a run the sweep measured and stored.
func (t *sweepTally) stored(run *storage.Run) {
	t.measured++
	t.byStatus[run.Status]++
	t.runs = append(t.runs, *run)
}

func (s *sweeper) run(ctx context.Context, groups []engine.Group) (sweepTally, error) {
	tally := sweepTally{byStatus: map[string]int{}}
	var cfgs []engine.Config
	for _, g := range groups {
		cfgs = append(cfgs, g.Configs...)
	}
	tally.total = len(cfgs)
	// Which MLX measures decides what counts as already measured. The worker that answers goes
	// on to load the first model.
	sess, err := s.bench.Begin(ctx, cfgs, s.force)
	if err != nil {
		return tally, err
	}
	if err := warnBefore(ctx, s.bench, cfgs, sess.Hello.Backend, "", s.progress.Warn); err != nil {
		return tally, err
	}
	hooks := app.Hooks{Progress: func(p engine.Progress) { s.progress.Rep(p.Rep+1, p.Of, p.Warmup) }}
	measuredOnce := false
	for _, g := range groups {
		groupInvalid := ""
		for _, cfg := range g.Configs {
			label := cfg.Label()
			if groupInvalid != "" {
				tally.invalid++
				s.progress.Skip(label, groupInvalid)
				continue
			}
			v, err := sess.Check(ctx, cfg)
			switch {
			case err != nil:
				return tally, err
			case v.Already != "":
				tally.already++
				s.progress.Skip(label, "already measured ("+v.Already+")")
				continue
			case v.Skipped != nil:
				tally.skipped++
				tally.byStatus[storage.StatusSkipped]++
				tally.runs = append(tally.runs, *v.Skipped)
				s.progress.Skip(label, v.Skipped.Error)
				continue
			}
			if measuredOnce && s.delay > 0 {
				select {
				case <-time.After(s.delay):
				case <-ctx.Done():
					return tally, ctx.Err()
				}
			}
			measuredOnce = true
			s.progress.Start(label)
			run, err := sess.Measure(ctx, cfg, hooks)
			switch {
			case ctx.Err() != nil:
				return tally, ctx.Err()
			case app.IsInvalid(err):
				// MLX refused the combination (a group size that does not divide a layer):
				// every configuration of this model and precision would be refused alike.
				groupInvalid = "not measurable: " + err.Error()
				tally.invalid++
				s.progress.Warn(fmt.Sprintf("%s %s cannot be measured: %v", g.Model, g.Precision, err))
				s.progress.Skip(label, groupInvalid)
				continue
			case err != nil:
				return tally, err
			}
			tally.stored(run)
			s.progress.Finish(label, run.Status, runDetail(run))
		}
	}
	return tally, nil
}

// runDetail is the one-line result of a run for progress output.
func runDetail(r *storage.Run) string {
	if r.Status != storage.StatusOK {
		return app.FirstLine(r.Error)
	}
	if r.DecodeMsPerToken == nil || r.DecodeTokensPerSec == nil {
		return fmt.Sprintf("ttft %.1f ms", deref(r.TTFTMs))
	}
	return fmt.Sprintf("%.2f ms/token, %.1f tokens/s, ttft %.1f ms", *r.DecodeMsPerToken, *r.DecodeTokensPerSec, deref(r.TTFTMs))
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// report writes the sweep's summary: a table of the runs it stored, as llama-bench ends, then
// how every configuration ended.
func (t sweepTally) report(w io.Writer, dbPath string) error {
	if len(t.runs) > 0 {
		if err := report.WriteSummary(w, t.runs, false); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d configurations: %d measured", t.total, t.measured)
	for _, st := range []string{storage.StatusOK, storage.StatusOOM, storage.StatusCrash, storage.StatusTimeout, storage.StatusError, storage.StatusKilled} {
		if n := t.byStatus[st]; n > 0 {
			fmt.Fprintf(w, ", %d %s", n, st)
		}
	}
	fmt.Fprintf(w, "; %d already measured; %d skipped after out-of-memory", t.already, t.skipped)
	if t.invalid > 0 {
		fmt.Fprintf(w, "; %d not measurable", t.invalid)
	}
	_, err := fmt.Fprintf(w, ".\nStored in %s; see `inferbench runs` or `inferbench export`.\n", dbPath)
	return err
}
