// Package app is what the front ends share: the environment they run in (Env), setting up
// Python, and the one path from a configuration to a stored run (Bench, Session, Measurer).
// It has no Cocoa in it.
package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/power"
	"github.com/inferbench/inferbench/engine/sensors"
	"github.com/inferbench/inferbench/storage"
)

// Measurer measures one configuration at a time. FromRunner makes one of a real worker; the
// controller's and sweeper's logic tests script one.
type Measurer interface {
	// Run measures cfg, calling progress (when not nil) after every repetition. A failed
	// measurement (oom, crash, timeout) is a result; an error means nothing was measured:
	// *engine.InvalidError for a configuration MLX refuses, or the context's error.
	Run(ctx context.Context, cfg engine.Config, progress func(engine.Progress)) (*engine.Result, error)
	// Hello says which MLX will measure, starting a worker if need be.
	Hello(ctx context.Context) (engine.Hello, error)
	// Close stops the worker; the next Run starts another.
	Close()
}

// FromRunner is the Measurer of a real worker.
func FromRunner(r *engine.Runner) Measurer { return runnerMeasurer{r} }

type runnerMeasurer struct{ *engine.Runner }

func (m runnerMeasurer) Run(ctx context.Context, cfg engine.Config, progress func(engine.Progress)) (*engine.Result, error) {
	m.OnProgress = nil
	if progress != nil {
		m.OnProgress = func(_ engine.Config, p engine.Progress) { progress(p) }
	}
	return m.Runner.Run(ctx, cfg)
}

// Bench is the one path from a configuration to a stored run, which run, sweep and the agent all
// take: measure, read the machine's conditions around the measurement, store the run and its
// samples. Sessions add what a series of configurations needs: skipping what is stored, and
// what an out-of-memory run rules out.
type Bench struct {
	Measurer Measurer
	Store    *storage.DB
	Catalog  *engine.Catalog
	Machine  engine.Machine
	Sensors  sensors.Source // nil reads nothing: every condition is stored as unknown
	// Meter reads energy and clocks while a run measures; nil stores them as unknown.
	Meter power.Meter
	// CPUBandwidth, when set, gives the machine's memory bandwidth in GB/s for runs on the CPU
	// backend, whose roof no table knows (Env.CopyBandwidth).
	CPUBandwidth func() float64
	// StoreRetry is how long a finished run waits to be stored while the database is locked
	// elsewhere or the disk is full (default DefaultStoreRetry); Warn, when set, hears why.
	StoreRetry time.Duration
	Warn       func(string)
}

// Hooks are what a front end hears of, and may decide, during one measurement.
type Hooks struct {
	Progress func(engine.Progress) // after every repetition
	// Check is given a sensor reading every Poll (default 250 ms) while the run goes on; an error
	// from it stops the run within Poll, and Measure returns that error.
	Check func(sensors.Reading) error
	Poll  time.Duration
}

// defaultPoll bounds how late a run stops when Check starts refusing it.
const defaultPoll = 250 * time.Millisecond

// Measure runs cfg and stores the run with the conditions around it. Nothing is stored when
// the run is cut short (ctx ends, or Check refuses) or cannot start; the error then says why:
// ctx's cause, Check's error, *engine.InvalidError, or a worker that would not start.
func (b *Bench) Measure(ctx context.Context, cfg engine.Config, h Hooks) (*storage.Run, error) {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	readings := []sensors.Reading{b.Read(ctx)}
	poll := h.Poll
	if poll <= 0 {
		poll = defaultPoll
	}
	var (
		mu      sync.Mutex
		stop    = make(chan struct{})
		stopped = make(chan struct{})
	)
	go func() {
		defer close(stopped)
		if h.Check == nil {
			return
		}
		tick := time.NewTicker(poll)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-runCtx.Done():
				return
			case <-tick.C:
				r := b.Read(runCtx)
				mu.Lock()
				readings = append(readings, r)
				mu.Unlock()
				if err := h.Check(r); err != nil {
					cancel(err)
					return
				}
			}
		}
	}()
	// The meter is read in this process, at the thermal sampling rate, never in the worker:
	// a thread there would compete with the per-token dispatch being timed.
	var sampler *power.Sampler
	if b.Meter != nil {
		sampler = power.Start(runCtx, b.Meter, poll)
	}
	res, err := b.Measurer.Run(runCtx, cfg, h.Progress)
	close(stop)
	<-stopped
	var meter []power.Reading
	if sampler != nil {
		meter = sampler.Stop(ctx, b.Meter)
	}
	// A run cut short is not a measurement, whatever the worker made of being stopped.
	if cause := context.Cause(runCtx); cause != nil {
		return nil, cause
	}
	if err != nil {
		return nil, err
	}
	readings = append(readings, b.Read(ctx))
	// The run is complete: it is stored even if the user presses Ctrl-C now.
	return b.record(ctx, res, conditionsAround(readings...), b.cost(res, meter))
}

// cost integrates the meter's readings over the repetitions' wall-clock windows.
func (b *Bench) cost(res *engine.Result, readings []power.Reading) *power.Summary {
	if b.Meter == nil {
		return nil
	}
	var windows []power.Window
	for _, s := range res.Samples {
		if s.WallStart <= 0 { // a worker that reports no wall clock
			return &power.Summary{Source: b.Meter.Source()}
		}
		windows = append(windows, power.Window{Start: s.WallStart, FirstToken: s.WallFirstToken, End: s.WallEnd,
			Tokens: res.Config.Batch * res.Config.Generate})
	}
	sum := power.Summarize(b.Meter.Source(), readings, windows)
	return &sum
}

// Read takes one sensor reading; without sensors, or when reading fails, everything is unknown.
func (b *Bench) Read(ctx context.Context) sensors.Reading { return ReadSensors(ctx, b.Sensors) }

// ReadSensors takes one reading of src; without sensors, or when reading fails, everything is
// unknown.
func ReadSensors(ctx context.Context, src sensors.Source) sensors.Reading {
	if src != nil {
		if r, err := src.Read(ctx); err == nil {
			return r
		}
	}
	return sensors.Reading{At: time.Now(), IdleSeconds: -1, Power: sensors.PowerUnknown,
		Thermal: sensors.ThermalUnknown, LowPower: sensors.Unknown}
}

// record stores a result and its machine in one go and returns the stored run. It is the one
// place runs are written.
// The write itself is not cancelled by ctx; only a wait for a locked database or a full disk is.
func (b *Bench) record(wait context.Context, res *engine.Result, cond Conditions, cost *power.Summary) (*storage.Run, error) {
	ctx := context.WithoutCancel(wait)
	m := StorageMachine(b.Machine)
	var machineID int64
	err := b.retryStore(wait, func() (err error) {
		machineID, err = b.Store.UpsertMachine(ctx, m)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store machine: %w", err)
	}
	run := toRun(res, b.peakBandwidth(res.Hello))
	withCost(run, cost)
	run.MachineID = machineID
	run.Machine = storage.StoredMachine{ID: machineID, Fingerprint: m.Fingerprint(), Machine: m}
	run.ThermalStart, run.ThermalEnd, run.ThermalWorst = string(cond.ThermalStart), string(cond.ThermalEnd), string(cond.ThermalWorst)
	run.PowerSource, run.LowPower = string(cond.Power), string(cond.LowPower)
	if err := withHistory(ctx, b.Store, run, res); err != nil && b.Warn != nil {
		b.Warn(fmt.Sprintf("the decode interval rests on this run alone: %v", err))
	}
	var id int64
	err = b.retryStore(wait, func() (err error) {
		id, err = b.Store.InsertRun(ctx, run)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store run: %w", err)
	}
	run.ID = id
	return run, nil
}

// peakBandwidth is the memory bandwidth of the device a worker measured on, in GB/s; 0 when
// unknown.
func (b *Bench) peakBandwidth(h engine.Hello) float64 {
	if gbs := engine.PeakBandwidthGBs(h.Device, b.Machine.Chip); gbs > 0 {
		return gbs
	}
	if h.Backend == "cpu" && b.CPUBandwidth != nil {
		return b.CPUBandwidth()
	}
	return 0
}

// Session measures a series of configurations against what is stored: a configuration this
// machine already measured with the MLX that measures now is not measured again, and one that
// needs more memory than a configuration that ran out of it is stored as skipped instead.
type Session struct {
	bench *Bench
	Hello engine.Hello
	done  map[storage.RunKey]string // stored status of each configuration measured before
	oomed []engine.Config
	// skipped holds the configurations stored as skipped before; they count as done only
	// while an out-of-memory run of this session's still rules them out.
	skipped map[storage.RunKey]bool
}

// Begin starts a session over cfgs, the configurations it may be asked about: the stored
// out-of-memory runs among them rule out larger ones from the start. With force, nothing
// stored counts.
func (b *Bench) Begin(ctx context.Context, cfgs []engine.Config, force bool) (*Session, error) {
	hello, err := b.Measurer.Hello(ctx)
	if err != nil {
		return nil, err
	}
	s := &Session{bench: b, Hello: hello, done: map[storage.RunKey]string{}, skipped: map[storage.RunKey]bool{}}
	if force {
		return s, nil
	}
	if s.done, err = Completed(ctx, b.Store, b.Machine, hello); err != nil {
		return nil, err
	}
	for _, c := range cfgs {
		if st, _ := s.status(c); st == storage.StatusOOM {
			s.oomed = append(s.oomed, c)
		}
	}
	// A stored skip stands only while a confirmed out-of-memory run still rules it out; one
	// inferred from a kill that was never confirmed is measured again (see Check).
	for k, st := range s.done {
		if st == storage.StatusSkipped {
			delete(s.done, k)
			s.skipped[k] = true
		}
	}
	return s, nil
}

// Completed returns the configurations this machine has measured with hello's MLX, and the
// status each ended with; an MLX upgrade therefore makes everything due again.
func Completed(ctx context.Context, store *storage.DB, m engine.Machine, hello engine.Hello) (map[storage.RunKey]string, error) {
	machineID, err := store.UpsertMachine(ctx, StorageMachine(m))
	if err != nil {
		return nil, err
	}
	sw := storage.Software{MachineID: machineID, Backend: hello.Backend, MLXVersion: hello.MLX, MLXLMVersion: hello.MLXLM}
	return store.Completed(ctx, sw, storage.StatusOK, storage.StatusOOM, storage.StatusSkipped)
}

// Verdict is what a session makes of a configuration before measuring it.
type Verdict struct {
	// Already is the stored status when the configuration was measured before ("" when not).
	Already string
	// Skipped is the run stored in its place when an out-of-memory run rules it out; its
	// Error names that run.
	Skipped *storage.Run
}

// Due reports whether the configuration still needs measuring.
func (v Verdict) Due() bool { return v.Already == "" && v.Skipped == nil }

// Check decides whether cfg needs measuring, storing it as skipped when an out-of-memory run
// rules it out.
func (s *Session) Check(ctx context.Context, cfg engine.Config) (Verdict, error) {
	if status, ok := s.status(cfg); ok {
		return Verdict{Already: status}, nil
	}
	for _, a := range s.oomed {
		if !engine.NeedsMore(a, cfg) {
			continue
		}
		if s.wasSkipped(cfg) {
			return Verdict{Already: storage.StatusSkipped}, nil
		}
		ref, err := s.bench.Catalog.ResolveModel(cfg.Model)
		if err != nil {
			return Verdict{}, err
		}
		now := time.Now().UTC()
		res := &engine.Result{Config: cfg, Model: ref, Status: storage.StatusSkipped, Hello: s.Hello, StartedAt: now, FinishedAt: now,
			Error: fmt.Sprintf("skipped: needs more memory than %s, which ran out of memory", a.Label())}
		run, err := s.bench.record(ctx, res, conditionsAround(s.bench.Read(ctx)), nil)
		if err != nil {
			return Verdict{}, err
		}
		s.done[s.key(cfg)] = storage.StatusSkipped
		return Verdict{Skipped: run}, nil
	}
	return Verdict{}, nil
}

// Measure measures and stores cfg as Bench.Measure does, and remembers an out-of-memory result
// to rule out what needs more.
func (s *Session) Measure(ctx context.Context, cfg engine.Config, h Hooks) (*storage.Run, error) {
	run, err := s.bench.Measure(ctx, cfg, h)
	if err != nil {
		return nil, err
	}
	s.done[s.key(cfg)] = run.Status
	if run.Status == storage.StatusOOM {
		s.oomed = append(s.oomed, cfg)
	}
	return run, nil
}

// key is how a configuration's runs are stored: checkpoint folders by absolute path, and every
// setting that changes what is measured (weights, warm-ups, repetitions, processes, budget).
// Settings that only bound it (--timeout) are left out.
func (s *Session) key(c engine.Config) storage.RunKey { return Key(s.bench.Catalog, c) }

// Key is the key a configuration's runs are stored under.
func Key(cat *engine.Catalog, c engine.Config) storage.RunKey {
	model := c.Model
	if ref, err := cat.ResolveModel(c.Model); err == nil {
		model = ref.Arg
	}
	return storage.RunKey{Model: model, Precision: c.Precision, Context: c.Context,
		Generate: c.Generate, Batch: c.Batch, MemoryLimitBytes: c.MemoryLimit,
		Weights: c.Weights, Warmup: c.Warmup, Repeats: c.Repeats, Processes: max(1, c.Processes)}
}

// LookupRun finds a configuration in a map of stored keys. Weights "auto" are stored as the
// weights they chose (random or checkpoint), or as auto when nothing was loaded (a skip).
func LookupRun[V any](m map[storage.RunKey]V, cat *engine.Catalog, c engine.Config) (V, bool) {
	k := Key(cat, c)
	if v, ok := m[k]; ok || k.Weights != "auto" {
		return v, ok
	}
	for _, w := range []string{"random", "checkpoint"} {
		k.Weights = w
		if v, ok := m[k]; ok {
			return v, true
		}
	}
	var zero V
	return zero, false
}

func (s *Session) status(c engine.Config) (string, bool) {
	return LookupRun(s.done, s.bench.Catalog, c)
}

func (s *Session) wasSkipped(c engine.Config) bool {
	skipped, _ := LookupRun(s.skipped, s.bench.Catalog, c)
	return skipped
}

// IsInvalid reports whether err is MLX refusing a configuration: nothing was measured, and
// every configuration of that model and precision would be refused alike.
func IsInvalid(err error) bool {
	var invalid *engine.InvalidError
	return errors.As(err, &invalid)
}
