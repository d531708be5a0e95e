package app

import (
	"context"

	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// Measurement orders of sweep --order.
const (
	orderGrid        = "grid"        // model by model, smallest first, so weights load once
	orderInformative = "informative" // where the advisor's decode models disagree most
)

// mostInformative returns the index of the configuration in cfgs whose measurement would
// teach the advisor most: the one a committee of decode models, trained on the stored
// successful runs, disagrees on most. Until there are enough runs to train one it returns 0,
// so the caller's order (the teaching order: every model and precision's extremes first)
// decides the first runs.
func mostInformative(ctx context.Context, store *storage.DB, cat *engine.Catalog, cfgs []engine.Config) (int, error) {
	if len(cfgs) < 2 {
		return 0, nil
	}
	runs, err := store.Runs(ctx, storage.RunFilter{Status: storage.StatusOK})
	if err != nil {
		return 0, err
	}
	m, err := thisMachine(ctx, store)
	if err != nil {
		return 0, err
	}
	obs, _ := observations(runs, cat, m, false)
	c, err := advisor.NewCommittee(obs, advisor.Options{Seed: 1})
	if err != nil {
		return 0, nil // too few runs yet: the teaching order decides
	}
	f := &fitted{machine: m, runs: runs}
	sh := newShapes(cat)
	qs := make([]advisor.Query, 0, len(cfgs))
	index := make([]int, 0, len(cfgs))
	for i, cfg := range cfgs {
		q, err := f.query(cat, sh, cfg.Model, cfg.Precision, cfg.Context, cfg.Generate, cfg.Batch)
		if err != nil {
			continue // an architecture the advisor cannot read: measured in its turn
		}
		qs, index = append(qs, q), append(index, i)
	}
	if len(qs) == 0 {
		return 0, nil
	}
	return index[c.MostInformative(qs)], nil
}

// runInformative measures cfgs one at a time, each time the one mostInformative picks among
// those left, in the teaching order until the advisor can be trained. A configuration that
// needs more memory than one that ran out is stored as skipped; when MLX refuses a model and
// precision, the rest of that pair is dropped.
func (s *sweeper) runInformative(ctx context.Context, cfgs []engine.Config, hello engine.Hello) (sweepTally, error) {
	total := sweepTally{total: len(cfgs), byStatus: map[string]int{}}
	left := engine.TeachingOrder(cfgs)
	var oomed []engine.Config
	for len(left) > 0 {
		i, err := mostInformative(ctx, s.store, s.catalog, left)
		if err != nil {
			return total, err
		}
		cfg := left[i]
		left = append(left[:i:i], left[i+1:]...)
		if cause, ok := ruledOut(oomed, cfg); ok {
			reason := "skipped: needs more memory than " + cause.Label() + ", which ran out of memory"
			if err := s.storeSkipped(ctx, cfg, hello, reason); err != nil {
				return total, err
			}
			total.skipped++
			total.byStatus[storage.StatusSkipped]++
			s.progress.Skip(cfg.Label(), reason)
			continue
		}
		t, err := s.run(ctx, []engine.Group{{Model: cfg.Model, Precision: cfg.Precision, Weights: cfg.Weights, Configs: []engine.Config{cfg}}}, hello)
		total.measured += t.measured
		total.already += t.already
		total.skipped += t.skipped
		total.invalid += t.invalid
		for k, v := range t.byStatus {
			total.byStatus[k] += v
		}
		if err != nil {
			return total, err
		}
		if t.byStatus[storage.StatusOOM] > 0 {
			oomed = append(oomed, cfg)
		}
		if t.invalid > 0 {
			keep := left[:0]
			for _, c := range left {
				if c.Model == cfg.Model && c.Precision == cfg.Precision && c.Weights == cfg.Weights {
					total.invalid++
					s.progress.Skip(c.Label(), "not measurable: MLX refused "+cfg.Model+" "+cfg.Precision)
					continue
				}
				keep = append(keep, c)
			}
			left = keep
		}
	}
	return total, nil
}
