package agent

import (
	"context"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// QueueItems orders configurations so that the first runs span every model's range (see
// engine.TeachingOrder) and numbers them as priorities; once there are enough runs to train
// the advisor, Controller.next picks where its predictions are least certain instead. Each
// configuration is queued whole, its model resolved once: a checkpoint folder by its absolute
// path, as its runs are stored, so that a relative one counts as measured wherever the agent
// runs from.
func QueueItems(cat *engine.Catalog, cfgs []engine.Config) []storage.QueueItem {
	ordered := engine.TeachingOrder(cfgs)
	items := make([]storage.QueueItem, len(ordered))
	for i, c := range ordered {
		if ref, err := cat.ResolveModel(c.Model); err == nil {
			c.Model = ref.Arg
		}
		items[i] = storage.QueueItem{Config: c, Priority: i}
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
		if _, ok := app.LookupRun(done, cat, q.Config); !ok {
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
		cfg := q.Config
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
