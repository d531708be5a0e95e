package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Run statuses stored with every run.
const (
	StatusOK          = "ok"
	StatusOOM         = "oom"
	StatusCrash       = "crash"
	StatusTimeout     = "timeout"
	StatusError       = "error" // the worker reported an internal error and lived
	StatusInterrupted = "interrupted"
)

// Result is one measured configuration, successful or not.
type Result struct {
	Config     Config
	Model      ModelRef
	Status     string
	Error      string
	Hello      Hello   // the worker that measured it
	Loaded     *Loaded // nil when loading failed
	Samples    []Sample
	Summary    Summary
	StartedAt  time.Time
	FinishedAt time.Time
}

// Runner measures configurations, keeping the worker of the last model and precision alive so
// that a series of configurations of one model loads its weights once. It runs one
// configuration at a time; one worker at a time keeps the memory of earlier models out of the
// measurement.
type Runner struct {
	catalog *Catalog
	spec    WorkerSpec
	current *loadedWorker
	// OnProgress, when set, hears of every finished repetition.
	OnProgress func(Config, Progress)
}

type loadedWorker struct {
	key    workerKey
	worker *Worker
	loaded *Loaded
}

type workerKey struct{ model, precision, weights string }

// NewRunner returns a runner that starts workers as spec says.
func NewRunner(cat *Catalog, spec WorkerSpec) *Runner {
	return &Runner{catalog: cat, spec: spec}
}

// Run measures one configuration. A failure of the measurement itself (out of memory, a crash,
// a timeout) is a Result with that status and a nil error. An error means nothing was measured:
// *InvalidError for bad input, a start or protocol failure, or the context's error.
func (r *Runner) Run(ctx context.Context, cfg Config) (*Result, error) {
	ref, err := cfg.Validate(r.catalog)
	if err != nil {
		return nil, err
	}
	res := &Result{Config: cfg, Model: ref, StartedAt: time.Now().UTC()}
	defer func() { res.FinishedAt = time.Now().UTC() }()

	lw, err := r.worker(ctx, cfg, ref, res)
	if err != nil {
		return r.settle(res, err)
	}
	res.Hello, res.Loaded = lw.worker.Hello(), lw.loaded
	// Positions of a checkpoint or an HF model are known only once loaded.
	if err := checkPositions(ModelRef{MaxPositions: lw.loaded.MaxPositions}, cfg); err != nil {
		return nil, err
	}

	mctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var progress func(Progress)
	if r.OnProgress != nil {
		progress = func(p Progress) { r.OnProgress(cfg, p) }
	}
	samples, err := lw.worker.Measure(mctx, MeasureRequest{Context: cfg.Context, Generate: cfg.Generate,
		Batch: cfg.Batch, Warmup: cfg.Warmup, Repeats: cfg.Repeats, Seed: cfg.Seed}, progress)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = &timeoutError{cfg.Timeout}
		}
		return r.settle(res, err)
	}
	res.Status, res.Samples, res.Summary = StatusOK, samples, Summarize(samples)
	return res, nil
}

// worker returns a live worker with the configuration's model loaded, reusing the current one
// when it fits.
func (r *Runner) worker(ctx context.Context, cfg Config, ref ModelRef, res *Result) (*loadedWorker, error) {
	key := workerKey{ref.Arg, cfg.Precision, cfg.Weights}
	if r.current != nil && r.current.key == key && r.current.worker.Alive() {
		return r.current, nil
	}
	r.Close()
	w, err := StartWorker(ctx, r.spec)
	if err != nil {
		return nil, err
	}
	res.Hello = w.Hello()
	lctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	loaded, err := w.Load(lctx, LoadRequest{Model: ref.Arg, Precision: cfg.Precision, Weights: cfg.Weights, Seed: cfg.Seed})
	if err != nil {
		if w.Alive() {
			w.Close()
		}
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = &timeoutError{cfg.Timeout}
		}
		return nil, err
	}
	r.current = &loadedWorker{key: key, worker: w, loaded: loaded}
	return r.current, nil
}

// settle turns a failed load or measurement into a recorded failure, or passes on an error
// that means nothing was measured.
func (r *Runner) settle(res *Result, err error) (*Result, error) {
	if r.current != nil && !r.current.worker.Alive() {
		r.current = nil
	}
	var (
		reqErr  *RequestError
		exitErr *ExitError
		toErr   *timeoutError
	)
	switch {
	case errors.As(err, &reqErr) && reqErr.Kind == KindInvalid:
		return nil, &InvalidError{Msg: reqErr.Message}
	case errors.As(err, &reqErr) && reqErr.Kind == KindOOM:
		res.Status, res.Error = StatusOOM, reqErr.Message
	case errors.As(err, &reqErr):
		res.Status, res.Error = StatusError, reqErr.Message
	case errors.As(err, &exitErr) && exitErr.OOM():
		res.Status, res.Error = StatusOOM, exitErr.Error()
	case errors.As(err, &exitErr):
		res.Status, res.Error = StatusCrash, exitErr.Error()
	case errors.As(err, &toErr):
		r.Close() // the worker was killed mid-measurement
		res.Status, res.Error = StatusTimeout, toErr.Error()
	default:
		r.Close()
		return nil, err
	}
	return res, nil
}

type timeoutError struct{ limit time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("measurement did not finish within %s; the worker was stopped (raise --timeout for larger configurations)", e.limit)
}

// Close stops the current worker, if any.
func (r *Runner) Close() {
	if r.current != nil {
		r.current.worker.Close()
		r.current = nil
	}
}
