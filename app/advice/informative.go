package advice

import (
	"context"

	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// MostInformative returns the index of the configuration in cfgs whose measurement would
// teach the advisor most: the one a committee of decode models, trained on the stored
// successful runs, disagrees on most. Until there are enough runs to train one it returns 0,
// so the caller's order (the teaching order: every model and precision's extremes first)
// decides the first runs.
func MostInformative(ctx context.Context, store *storage.DB, cat *engine.Catalog, cfgs []engine.Config) (int, error) {
	if len(cfgs) < 2 {
		return 0, nil
	}
	runs, err := store.Runs(ctx, storage.RunFilter{Status: storage.StatusOK})
	if err != nil {
		return 0, err
	}
	m, err := ThisMachine(ctx, store)
	if err != nil {
		return 0, err
	}
	obs, _ := Observations(runs, cat, m, Include{})
	c, err := advisor.NewCommittee(obs, advisor.Options{Seed: 1})
	if err != nil {
		return 0, nil // too few runs yet: the teaching order decides
	}
	f := &Fitted{Machine: m, Runs: runs}
	sh := NewShapes(cat)
	qs := make([]advisor.Query, 0, len(cfgs))
	index := make([]int, 0, len(cfgs))
	for i, cfg := range cfgs {
		q, err := f.Query(cat, sh, cfg.Model, cfg.Precision, cfg.Context, cfg.Generate, cfg.Batch)
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
