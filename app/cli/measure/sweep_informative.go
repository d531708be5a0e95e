package measure

import (
	"context"
	"fmt"
	"slices"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/engine"
)

// Measurement orders of sweep --order.
const (
	orderGrid        = "grid"        // model by model, smallest first, so weights load once
	orderInformative = "informative" // where the advisor's decode models disagree most
)

// runInformative measures cfgs one at a time, each time the one advice.MostInformative picks
// among those left, in the teaching order until the advisor can be trained. The session skips
// what is already measured and what an out-of-memory run rules out, as in a grid sweep; when
// MLX refuses a model and precision, the rest of that pair is dropped.
func (s *sweeper) runInformative(ctx context.Context, cfgs []engine.Config) (sweepTally, error) {
	tally := sweepTally{total: len(cfgs), byStatus: map[string]int{}}
	sess, err := s.bench.Begin(ctx, cfgs, s.force)
	if err != nil {
		return tally, err
	}
	if err := warnBefore(ctx, s.bench, cfgs, sess.Hello.Backend, "", s.progress.Warn); err != nil {
		return tally, err
	}
	hooks := app.Hooks{Progress: func(p engine.Progress) { s.progress.Rep(p.Rep+1, p.Of, p.Warmup) }}
	left := engine.TeachingOrder(cfgs)
	for len(left) > 0 {
		i, err := advice.MostInformative(ctx, s.bench.Store, s.bench.Catalog, left)
		if err != nil {
			return tally, err
		}
		cfg := left[i]
		left = slices.Delete(left, i, i+1)
		label := cfg.Label()
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
			tally.byStatus[v.Skipped.Status]++
			tally.runs = append(tally.runs, *v.Skipped)
			s.progress.Skip(label, v.Skipped.Error)
			continue
		}
		s.progress.Start(label)
		run, err := sess.Measure(ctx, cfg, hooks)
		switch {
		case ctx.Err() != nil:
			return tally, ctx.Err()
		case app.IsInvalid(err):
			reason := "not measurable: " + err.Error()
			s.progress.Warn(fmt.Sprintf("%s %s cannot be measured: %v", cfg.Model, cfg.Precision, err))
			tally.invalid++
			s.progress.Skip(label, reason)
			left = slices.DeleteFunc(left, func(c engine.Config) bool {
				same := c.Model == cfg.Model && c.Precision == cfg.Precision && c.Weights == cfg.Weights
				if same {
					tally.invalid++
					s.progress.Skip(c.Label(), reason)
				}
				return same
			})
			continue
		case err != nil:
			return tally, err
		}
		tally.stored(run)
		s.progress.Finish(label, run.Status, runDetail(run))
	}
	return tally, nil
}
