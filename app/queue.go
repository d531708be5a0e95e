package app

import (
	"context"
	"fmt"
	"time"

	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// configOf turns a queued item back into a configuration.
func configOf(q storage.QueueItem) engine.Config {
	return engine.Config{Model: q.Model, Precision: q.Precision, Weights: q.Weights, Context: q.Context,
		Generate: q.Generate, Batch: q.Batch, Warmup: q.Warmup, Repeats: q.Repeats,
		MemoryLimit: q.MemoryLimitBytes, Timeout: 30 * time.Minute}
}

// queueItems orders configurations so that the first runs span every model's range (see
// engine.TeachingOrder) and numbers them as priorities; once there are enough runs to train
// the advisor, Controller.next picks where its predictions are least certain instead.
func queueItems(cfgs []engine.Config) []storage.QueueItem {
	ordered := engine.TeachingOrder(cfgs)
	items := make([]storage.QueueItem, len(ordered))
	for i, c := range ordered {
		items[i] = storage.QueueItem{Model: c.Model, Precision: c.Precision, Weights: c.Weights, Context: c.Context,
			Generate: c.Generate, Batch: c.Batch, Warmup: c.Warmup, Repeats: c.Repeats,
			MemoryLimitBytes: c.MemoryLimit, Priority: i}
	}
	return items
}

// pendingWork is the queue less what this machine has measured with the MLX that will
// measure now; an MLX upgrade therefore queues everything again.
func pendingWork(ctx context.Context, store *storage.DB, machine engine.Machine, hello engine.Hello) (pending, oomed []storage.QueueItem, err error) {
	machineID, err := store.UpsertMachine(ctx, storageMachine(machine))
	if err != nil {
		return nil, nil, err
	}
	sw := storage.Software{MachineID: machineID, Backend: hello.Backend, MLXVersion: hello.MLX, MLXLMVersion: hello.MLXLM}
	done, err := store.Completed(ctx, sw, storage.StatusOK, storage.StatusOOM, storage.StatusSkipped)
	if err != nil {
		return nil, nil, err
	}
	items, err := store.Queue(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, q := range items {
		switch done[q.Key()] {
		case "":
			pending = append(pending, q)
		case storage.StatusOOM:
			oomed = append(oomed, q)
		}
	}
	return pending, oomed, nil
}

// next returns the first queued configuration still to measure, and how many are left.
// Configurations that an out-of-memory result rules out are stored as skipped on the way.
func (c *Controller) next(ctx context.Context) (*storage.QueueItem, int, error) {
	hello, err := c.cfg.Runner.Hello(ctx)
	if err != nil {
		return nil, 0, err
	}
	pending, oomed, err := pendingWork(ctx, c.cfg.Store, c.cfg.Machine, hello)
	if err != nil {
		return nil, 0, err
	}
	var left []storage.QueueItem
	for _, q := range pending {
		if c.dropped[q.Key()] {
			continue
		}
		cfg := configOf(q)
		var cause *storage.QueueItem
		for i := range oomed {
			if engine.NeedsMore(configOf(oomed[i]), cfg) {
				cause = &oomed[i]
				break
			}
		}
		if cause == nil {
			left = append(left, q)
			continue
		}
		ref, err := c.cfg.Catalog.ResolveModel(cfg.Model)
		if err != nil {
			return nil, 0, err
		}
		now := time.Now().UTC()
		res := &engine.Result{Config: cfg, Model: ref, Status: storage.StatusSkipped, Hello: hello, StartedAt: now, FinishedAt: now,
			Error: fmt.Sprintf("skipped: needs more memory than %s, which ran out of memory", configOf(*cause).Label())}
		if _, err := record(ctx, c.cfg.Store, c.cfg.Machine, res, conditionsAround(c.read(ctx))); err != nil {
			return nil, 0, err
		}
		oomed = append(oomed, q)
	}
	if len(left) == 0 {
		return nil, 0, nil
	}
	// The queue's own order (the teaching order) starts; once the advisor can be trained,
	// the configuration its decode models disagree on most goes next.
	cfgs := make([]engine.Config, len(left))
	for i, q := range left {
		cfgs[i] = configOf(q)
	}
	i, err := mostInformative(ctx, c.cfg.Store, c.cfg.Catalog, cfgs)
	if err != nil {
		return nil, 0, err
	}
	return &left[i], len(left), nil
}

// drop keeps a configuration MLX refuses from being tried again by this controller.
func (c *Controller) drop(cfg engine.Config) error {
	c.dropped[storage.RunKey{Model: cfg.Model, Precision: cfg.Precision, Context: cfg.Context, Generate: cfg.Generate,
		Batch: cfg.Batch, MemoryLimitBytes: cfg.MemoryLimit}] = true
	return nil
}
