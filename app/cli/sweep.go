package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/sensors"
	"github.com/inferbench/inferbench/storage"
)

// sweeper runs a planned grid: it skips what is already measured, skips what an earlier
// out-of-memory failure rules out, measures the rest one configuration at a time and stores
// each run as it completes, so a sweep stopped in any way resumes where it stopped.
type sweeper struct {
	catalog  *engine.Catalog
	runner   *engine.Runner
	store    *storage.DB
	machine  engine.Machine
	progress *Progress
	sensors  func(context.Context) sensors.Reading
	force    bool
	delay    time.Duration
}

// sweepTally counts how configurations ended.
type sweepTally struct {
	total, measured, already, skipped, invalid int
	byStatus                                   map[string]int
}

func (s *sweeper) run(ctx context.Context, groups []engine.Group, hello engine.Hello) (sweepTally, error) {
	tally := sweepTally{byStatus: map[string]int{}}
	for _, g := range groups {
		tally.total += len(g.Configs)
	}
	machineID, err := s.store.UpsertMachine(ctx, app.StorageMachine(s.machine))
	if err != nil {
		return tally, err
	}
	done := map[storage.RunKey]string{}
	if !s.force {
		sw := storage.Software{MachineID: machineID, Backend: hello.Backend, MLXVersion: hello.MLX, MLXLMVersion: hello.MLXLM}
		if done, err = s.store.Completed(ctx, sw, storage.StatusOK, storage.StatusOOM, storage.StatusSkipped); err != nil {
			return tally, err
		}
	}
	s.runner.OnProgress = func(_ engine.Config, p engine.Progress) { s.progress.Rep(p.Rep+1, p.Of, p.Warmup) }

	measuredOnce := false
	for _, g := range groups {
		var oomed []engine.Config
		groupInvalid := ""
		for _, cfg := range g.Configs {
			label := cfg.Label()
			if status, ok := done[s.runKey(cfg)]; ok {
				if status == storage.StatusOOM {
					oomed = append(oomed, cfg)
				}
				tally.already++
				s.progress.Skip(label, "already measured ("+status+")")
				continue
			}
			if groupInvalid != "" {
				tally.invalid++
				s.progress.Skip(label, groupInvalid)
				continue
			}
			if cause, ok := ruledOut(oomed, cfg); ok {
				reason := fmt.Sprintf("skipped: needs more memory than %s, which ran out of memory", cause.Label())
				if err := s.storeSkipped(ctx, cfg, hello, reason); err != nil {
					return tally, err
				}
				tally.skipped++
				tally.byStatus[storage.StatusSkipped]++
				s.progress.Skip(label, reason)
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
			before := s.sensors(ctx)
			res, err := s.runner.Run(ctx, cfg)
			var invalid *engine.InvalidError
			switch {
			case ctx.Err() != nil:
				return tally, ctx.Err()
			case errors.As(err, &invalid):
				// MLX refused the combination (a group size that does not divide a layer):
				// every configuration of this model and precision would be refused alike.
				groupInvalid = "not measurable: " + invalid.Error()
				tally.invalid++
				s.progress.Warn(fmt.Sprintf("%s %s cannot be measured: %v", g.Model, g.Precision, invalid))
				s.progress.Skip(label, groupInvalid)
				continue
			case err != nil:
				return tally, err
			}
			cond := app.ConditionsAround(before, s.sensors(ctx))
			run, err := app.Record(context.WithoutCancel(ctx), s.store, s.machine, res, cond)
			if err != nil {
				return tally, err
			}
			tally.measured++
			tally.byStatus[run.Status]++
			if run.Status == storage.StatusOOM {
				oomed = append(oomed, cfg)
			}
			s.progress.Finish(label, run.Status, runDetail(run))
		}
	}
	return tally, nil
}

// ruledOut returns the out-of-memory configuration that rules cfg out, if any.
func ruledOut(oomed []engine.Config, cfg engine.Config) (engine.Config, bool) {
	for _, a := range oomed {
		if engine.NeedsMore(a, cfg) {
			return a, true
		}
	}
	return engine.Config{}, false
}

func (s *sweeper) storeSkipped(ctx context.Context, cfg engine.Config, hello engine.Hello, reason string) error {
	ref, err := s.catalog.ResolveModel(cfg.Model)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	res := &engine.Result{Config: cfg, Model: ref, Status: storage.StatusSkipped, Error: reason, Hello: hello,
		StartedAt: now, FinishedAt: now}
	_, err = app.Record(ctx, s.store, s.machine, res, app.ConditionsAround(s.sensors(ctx)))
	return err
}

// runKey is how a configuration's runs are stored: checkpoint folders by absolute path.
func (s *sweeper) runKey(c engine.Config) storage.RunKey {
	model := c.Model
	if ref, err := s.catalog.ResolveModel(c.Model); err == nil {
		model = ref.Arg
	}
	return storage.RunKey{Model: model, Precision: c.Precision, Context: c.Context,
		Generate: c.Generate, Batch: c.Batch, MemoryLimitBytes: c.MemoryLimit}
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

func (t sweepTally) report(w io.Writer, dbPath string) {
	fmt.Fprintf(w, "%d configurations: %d measured", t.total, t.measured)
	for _, st := range []string{storage.StatusOK, storage.StatusOOM, storage.StatusCrash, storage.StatusTimeout, storage.StatusError} {
		if n := t.byStatus[st]; n > 0 {
			fmt.Fprintf(w, ", %d %s", n, st)
		}
	}
	fmt.Fprintf(w, "; %d already measured; %d skipped after out-of-memory", t.already, t.skipped)
	if t.invalid > 0 {
		fmt.Fprintf(w, "; %d not measurable", t.invalid)
	}
	fmt.Fprintf(w, ".\nStored in %s; see `inferbench runs` or `inferbench export`.\n", dbPath)
}
