package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Run statuses stored with every run; storage records these and no others.
const (
	StatusOK          = "ok"
	StatusOOM         = "oom"
	StatusCrash       = "crash"
	StatusTimeout     = "timeout"
	StatusError       = "error" // the worker reported an internal error and lived
	StatusInterrupted = "interrupted"
	StatusSkipped     = "skipped" // recorded without measuring: a confirmed out-of-memory run rules it out
	// StatusKilled is a worker killed by SIGKILL from outside Inferbench that the system does
	// not record as out of memory: `kill -9`, a supervisor. It rules nothing out.
	StatusKilled = "killed"
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

// Runner measures configurations, keeping its worker alive between them: a series of
// configurations of one model and precision loads its weights once, and the next model loads into
// the same process. It runs one configuration at a time, in one worker at a time.
type Runner struct {
	catalog *Catalog
	spec    WorkerSpec
	current *loadedWorker
	spare   *Worker // started but not loaded; the next load uses it
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
	samples, err := r.measureProcesses(mctx, lw, cfg, ref, res)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = &timeoutError{cfg.Timeout}
		}
		return r.settle(res, err)
	}
	res.Status, res.Samples, res.Summary = StatusOK, samples, Summarize(samples)
	return res, nil
}

// measureProcesses splits the repetitions over cfg.Processes workers: the one already loaded,
// then fresh ones, each loading the model and warming up on its own. Repetition numbers run on
// across processes; each sample records the process that measured it.
func (r *Runner) measureProcesses(ctx context.Context, lw *loadedWorker, cfg Config, ref ModelRef, res *Result) ([]Sample, error) {
	k := cfg.processes()
	var samples []Sample
	for p := range k {
		if p > 0 {
			r.Close() // a new process: its own allocator, its own compiled kernels, its own place in memory
			var err error
			if lw, err = r.worker(ctx, cfg, ref, res); err != nil {
				return nil, err
			}
		}
		part := cfg
		part.Repeats = cfg.Repeats/k + btoi(p < cfg.Repeats%k)
		got, err := r.measure(ctx, lw.worker, part, len(samples), cfg.Repeats)
		if err != nil {
			return nil, err
		}
		for i := range got {
			got[i].Process = p
		}
		samples = append(samples, got...)
	}
	return samples, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// measure runs the repetitions: cfg.Repeats of them, or with a target confidence interval at
// least cfg.MinRepeats and then one at a time until the interval is narrow enough or
// cfg.Repeats is reached. Each request after the first skips warm-up and draws new prompts.
// Repetitions are numbered from base, and progress counts towards total.
func (r *Runner) measure(ctx context.Context, w *Worker, cfg Config, base, total int) ([]Sample, error) {
	first := cfg.Repeats
	if cfg.TargetCI > 0 {
		first = cfg.AdaptiveStart()
	}
	var samples []Sample
	for len(samples) < cfg.Repeats {
		// The worker draws repetition k's prompt from seed+k, warm-ups first.
		n, warmup, seed := 1, 0, cfg.Seed+cfg.Warmup+base+len(samples)
		if len(samples) == 0 {
			n, warmup, seed = first, cfg.Warmup, cfg.Seed+base
		}
		offset := base + len(samples)
		var progress func(Progress)
		if r.OnProgress != nil {
			progress = func(p Progress) {
				if !p.Warmup {
					p.Rep, p.Of = p.Rep+offset, total
				}
				r.OnProgress(cfg, p)
			}
		}
		batch, err := w.Measure(ctx, MeasureRequest{Context: cfg.Context, Generate: cfg.Generate,
			Batch: cfg.Batch, Warmup: warmup, Repeats: n, Seed: seed,
			MemoryLimit: cfg.MemoryLimit}, progress)
		if err != nil {
			return nil, err
		}
		for _, s := range batch {
			s.Rep += offset
			samples = append(samples, s)
		}
		if cfg.TargetCI <= 0 || settled(samples, cfg.TargetCI) {
			break
		}
	}
	return samples, nil
}

// settled is the adaptive stopping rule: the interval is within ±target of the mean (precise),
// and the repetitions do not step between two levels, whose average would describe neither; a
// run that never settles stops at its most repetitions and is stored as a level shift.
func settled(samples []Sample, target float64) bool {
	if !precise(samples, target) {
		return false
	}
	var xs []float64
	for _, s := range samples {
		if s.DecodeTokensPerSec != nil {
			xs = append(xs, *s.DecodeTokensPerSec)
		}
	}
	_, shifted := LevelShift(xs)
	return !shifted
}

// precise reports whether the 95% confidence interval of the samples' decode tokens/s (prefill
// tokens/s when nothing is decoded) is within ±target of its mean.
func precise(samples []Sample, target float64) bool {
	var xs []float64
	for _, s := range samples {
		if s.DecodeTokensPerSec != nil {
			xs = append(xs, *s.DecodeTokensPerSec)
		} else {
			xs = append(xs, s.PrefillTokensPerSec)
		}
	}
	hw, ok := CI95HalfWidth(xs)
	if !ok {
		return false
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return hw <= target*sum/float64(len(xs))
}

// worker returns a live worker with the configuration's model loaded. One worker process
// serves every model and precision in turn: the kernels it compiled for one (CUDA's JIT, Metal's
// pipelines) serve the next, and a start costs more than a load on a fast GPU. The worker frees a
// model before it builds the next, and peak memory is reset before every repetition, so earlier
// models stay out of the measurement.
func (r *Runner) worker(ctx context.Context, cfg Config, ref ModelRef, res *Result) (*loadedWorker, error) {
	key := workerKey{ref.Arg, cfg.Precision, cfg.Weights}
	if r.current != nil && r.current.worker.Alive() && r.current.key == key {
		return r.current, nil
	}
	var w *Worker
	if r.current != nil && r.current.worker.Alive() {
		w = r.current.worker
	}
	r.current = nil
	if w == nil {
		var err error
		if w, err = r.start(ctx); err != nil {
			return nil, err
		}
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
		reqErr   *RequestError
		exitErr  *ExitError
		toErr    *timeoutError
		startErr *StartError
	)
	switch {
	case errors.As(err, &startErr):
		// No worker came up: nothing was measured, and the error says how to fix the setup.
		r.Close()
		return nil, err
	case errors.As(err, &reqErr) && reqErr.Kind == KindInvalid:
		return nil, &InvalidError{Msg: reqErr.Message}
	case errors.As(err, &reqErr) && reqErr.Kind == KindOOM:
		res.Status, res.Error = StatusOOM, reqErr.Message
	case errors.As(err, &reqErr):
		res.Status, res.Error = StatusError, reqErr.Message
	case errors.As(err, &exitErr) && exitErr.OOM():
		res.Status, res.Error = StatusOOM, exitErr.Error()
	case errors.As(err, &exitErr) && exitErr.KilledOutside():
		res.Status, res.Error = StatusKilled, exitErr.Error()
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

// Hello starts a worker, if none is running, and returns what it says about the MLX that
// will measure: a sweep needs the versions before it plans. The worker is kept for the next load.
func (r *Runner) Hello(ctx context.Context) (Hello, error) {
	if r.current != nil && r.current.worker.Alive() {
		return r.current.worker.Hello(), nil
	}
	if r.spare == nil || !r.spare.Alive() {
		w, err := StartWorker(ctx, r.spec)
		if err != nil {
			return Hello{}, err
		}
		r.spare = w
	}
	return r.spare.Hello(), nil
}

func (r *Runner) start(ctx context.Context) (*Worker, error) {
	if w := r.spare; w != nil {
		r.spare = nil
		if w.Alive() {
			return w, nil
		}
	}
	return StartWorker(ctx, r.spec)
}

// Close stops the runner's workers, if any.
func (r *Runner) Close() {
	if r.current != nil {
		r.current.worker.Close()
		r.current = nil
	}
	if r.spare != nil {
		r.spare.Close()
		r.spare = nil
	}
}
