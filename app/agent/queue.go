package agent

import (
	"context"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// configOf turns a queued item back into a configuration.
func configOf(q storage.QueueItem) engine.Config {
	return engine.Config{Model: q.Model, Precision: q.Precision, Weights: q.Weights, Context: q.Context,
		Generate: q.Generate, Batch: q.Batch, Warmup: q.Warmup, Repeats: q.Repeats,
		MemoryLimit: q.MemoryLimitBytes, Timeout: engine.DefaultTimeout}
}

// QueueItems orders configurations so that the first runs span every model's range (see
// engine.TeachingOrder) and numbers them as priorities; once there are enough runs to train
// the advisor, Controller.next picks where its predictions are least certain instead.
func QueueItems(cfgs []engine.Config) []storage.QueueItem {
	ordered := engine.TeachingOrder(cfgs)
	items := make([]storage.QueueItem, len(ordered))
	for i, c := range ordered {
		items[i] = storage.QueueItem{Model: c.Model, Precision: c.Precision, Weights: c.Weights, Context: c.Context,
			Generate: c.Generate, Batch: c.Batch, Warmup: c.Warmup, Repeats: c.Repeats,
			MemoryLimitBytes: c.MemoryLimit, Priority: i}
	}
	return items
}

// PendingWork is the queue less what this machine has measured with hello's MLX; an MLX
// upgrade therefore queues everything again.
func PendingWork(ctx context.Context, store *storage.DB, cat *engine.Catalog, machine engine.Machine, hello engine.Hello) ([]storage.QueueItem, error) {
	done, err := app.Completed(ctx, store, machine, hello)
	if err != nil {
		return nil, err
	}
	items, err := store.Queue(ctx)
	if err != nil {
		return nil, err
	}
	var pending []storage.QueueItem
	for _, q := range items {
		if _, ok := app.LookupRun(done, cat, configOf(q)); !ok {
			pending = append(pending, q)
		}
	}
	return pending, nil
}

// next returns the first queued configuration still to measure, the session to measure it
// in, and how many are left (0: none). Configurations that an out-of-memory result rules out
// are stored as skipped on the way.
func (c *Controller) next(ctx context.Context) (*app.Session, engine.Config, int, error) {
	items, err := c.cfg.Bench.Store.Queue(ctx)
	if err != nil {
		return nil, engine.Config{}, 0, err
	}
	cfgs := make([]engine.Config, 0, len(items))
	for _, q := range items {
		cfg := configOf(q)
		if c.cfg.Timeout > 0 {
			cfg.Timeout = c.cfg.Timeout
		}
		if !c.dropped[cfg] {
			cfgs = append(cfgs, cfg)
		}
	}
	sess, err := c.cfg.Bench.Begin(ctx, cfgs, false)
	if err != nil {
		return nil, engine.Config{}, 0, err
	}
	var due []engine.Config
	for _, cfg := range cfgs {
		v, err := sess.Check(ctx, cfg)
		if err != nil {
			return nil, engine.Config{}, 0, err
		}
		if v.Due() {
			due = append(due, cfg)
		}
	}
	if len(due) == 0 {
		return sess, engine.Config{}, 0, nil
	}
	// The queue's own order (the teaching order) starts; once the advisor can be trained, the
	// configuration its decode models disagree on most goes next.
	i, err := advice.MostInformative(ctx, c.cfg.Bench.Store, c.cfg.Bench.Catalog, due)
	if err != nil {
		return nil, engine.Config{}, 0, err
	}
	return sess, due[i], len(due), nil
}
