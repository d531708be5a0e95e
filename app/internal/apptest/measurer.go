package apptest

import (
	"context"
	"sync"
	"time"

	"github.com/inferbench/inferbench/engine"
)

// Measurer is a scripted app.Measurer for the logic of the controller and the sweeper: it
// measures nothing, and each configuration's run ends as Outcomes says. The real one, a worker
// running MLX, is exercised by the integration tests.
type Measurer struct {
	// Outcomes gives a run's status by configuration label: "ok" (the default), "oom",
	// "killed", or "invalid" for a configuration MLX refuses.
	Outcomes map[string]string
	// Hold, when set, makes every run wait, after its first repetition, for a value from Hold
	// or for its context to end; then the run is cut short and returns the context's error.
	Hold chan struct{}

	mu      sync.Mutex
	ran     []string        // labels, in the order runs started
	configs []engine.Config // the configurations themselves, in the same order
	running string          // label of the run in progress
	closes  int
}

// Hello is a fixed MLX version: runs stored by one Measurer count as measured for the next.
func (m *Measurer) Hello(context.Context) (engine.Hello, error) {
	return engine.Hello{Protocol: 2, Python: "3.11", MLX: "0.0-test", MLXLM: "0.0-test", Backend: "cpu", Device: "cpu"}, nil
}

// Run plays the configuration's outcome.
func (m *Measurer) Run(ctx context.Context, cfg engine.Config, progress func(engine.Progress)) (*engine.Result, error) {
	label := cfg.Label()
	m.mu.Lock()
	m.ran = append(m.ran, label)
	m.configs = append(m.configs, cfg)
	m.running = label
	outcome := m.Outcomes[label]
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.running = ""
		m.mu.Unlock()
	}()
	hello, _ := m.Hello(ctx)
	res := &engine.Result{Config: cfg, Model: engine.ModelRef{Arg: cfg.Model, Source: "catalog"}, Hello: hello,
		StartedAt: time.Now().UTC()}
	if outcome == "invalid" {
		return nil, &engine.InvalidError{Msg: "MLX refuses " + label}
	}
	var samples []engine.Sample
	for rep := 0; rep < cfg.Repeats; rep++ {
		if progress != nil {
			progress(engine.Progress{Rep: rep, Of: cfg.Repeats})
		}
		if rep == 0 && m.Hold != nil {
			select {
			case <-m.Hold:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		tps := 100.0
		samples = append(samples, engine.Sample{Rep: rep, TTFTMs: 10, DecodeMs: 10 * float64(cfg.Generate-1),
			DecodeTokensPerSec: &tps, TokenLatenciesMs: []float64{10}, PeakMemoryBytes: 1 << 20, RSSBytes: 1 << 21})
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res.FinishedAt = time.Now().UTC()
	switch outcome {
	case "oom":
		res.Status, res.Error = engine.StatusOOM, "scripted out-of-memory"
		return res, nil
	case "killed":
		res.Status, res.Error = engine.StatusKilled, "scripted kill from outside"
		return res, nil
	}
	res.Status, res.Samples, res.Summary = engine.StatusOK, samples, engine.Summarize(samples)
	return res, nil
}

// Close counts the times the worker would have been stopped.
func (m *Measurer) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closes++
}

// Ran returns the labels of the runs started so far, in order.
func (m *Measurer) Ran() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.ran...)
}

// Configs returns the configurations of the runs started so far, whole, in order.
func (m *Measurer) Configs() []engine.Config {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]engine.Config(nil), m.configs...)
}

// Running returns the label of the run in progress, or "".
func (m *Measurer) Running() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.running
}
