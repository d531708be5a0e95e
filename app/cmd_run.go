package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// dbPath picks the database: --db, then INFERBENCH_DB, then the platform default.
func (e Env) dbPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := e.Getenv("INFERBENCH_DB"); v != "" {
		return v
	}
	return storage.DefaultPath(e.GOOS, e.Getenv, e.Home)
}

// workerFlags are the flags of every command that starts a worker.
type workerFlags struct {
	python  string
	verbose bool
}

func (f *workerFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.python, "python", "", "Python `interpreter` with mlx and mlx-lm (default: INFERBENCH_PYTHON, then the project's .venv, then the one `inferbench setup` made)")
	fs.BoolVar(&f.verbose, "verbose", false, "show the worker's log on stderr")
}

// spec finds the interpreter and unpacks the worker.
func (f *workerFlags) spec(env Env, stderr io.Writer) (engine.WorkerSpec, error) {
	py, err := env.FindPython(f.python)
	if err != nil {
		return engine.WorkerSpec{}, err
	}
	dir, err := UnpackWorker(resources.Worker(), env.CacheDir())
	if err != nil {
		return engine.WorkerSpec{}, err
	}
	spec := engine.WorkerSpec{Python: py, Dir: dir}
	if f.verbose {
		spec.Log = stderr
	}
	return spec, nil
}

// measuring opens the database and readies a runner, as run and sweep need.
func (e Env) measuring(ctx context.Context, db string, wf *workerFlags, cat *engine.Catalog, stderr io.Writer) (*storage.DB, *engine.Runner, error) {
	store, err := storage.Open(ctx, e.dbPath(db))
	if err != nil {
		return nil, nil, err
	}
	spec, err := wf.spec(e, stderr)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, engine.NewRunner(cat, spec), nil
}

func runRun(ctx context.Context, env Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg    engine.Config
		db     string
		format string
		wf     workerFlags
	)
	fs.StringVar(&cfg.Model, "model", "gpt2", "catalog `name` (see `inferbench models`), checkpoint folder, or Hugging Face id in the local cache")
	fs.StringVar(&cfg.Precision, "precision", "fp16", "weight `precision`: fp32, fp16, bf16, int8, int6, int5, int4, int3, int2, mxfp8, mxfp4, nvfp4; quantized ones take -g<N> for a group size (int4-g128)")
	fs.StringVar(&cfg.Weights, "weights", "auto", "`auto` (a local checkpoint if there is one, else random), random or checkpoint")
	fs.IntVar(&cfg.Context, "context", 128, "prompt `tokens` per sequence")
	fs.IntVar(&cfg.Generate, "generate", 32, "new `tokens` per sequence, the first one included")
	fs.IntVar(&cfg.Batch, "batch", 1, "`sequences` decoded together")
	fs.IntVar(&cfg.Warmup, "warmup", 1, "warm-up `repetitions`, not recorded")
	fs.IntVar(&cfg.Repeats, "repeats", 5, "measured `repetitions`")
	fs.IntVar(&cfg.Processes, "processes", 1, "split the repetitions over this many fresh worker `processes`; 3 or more gives an interval that a rerun lands in")
	fs.IntVar(&cfg.Seed, "seed", 0, "random `seed` for weights and prompts")
	fs.DurationVar(&cfg.Timeout, "timeout", 30*time.Minute, "longest a measurement may take before the worker is stopped and the run recorded as timeout")
	fs.StringVar(&db, "db", "", "SQLite `file` (default: INFERBENCH_DB, then "+storage.DefaultPath(env.GOOS, env.Getenv, env.Home)+")")
	fs.StringVar(&format, "format", "table", "output `format`: table, json, csv or md")
	wf.add(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: inferbench run [flags]

Measures one configuration with MLX and stores it: time to first token, every decode token's
latency, tokens/s and peak memory over --repeats repetitions after --warmup.

Example:
  inferbench run --model gpt2 --context 128 --generate 32 --precision fp16 --format json

Exit status: 0 measured, 1 the measurement failed (oom, crash, timeout) or could not run, 2 bad input.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Errorf("unexpected argument %q: every option is a flag (see inferbench run -h)", fs.Arg(0)))
	}
	if err := checkFormat(format); err != nil {
		return err
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return err
	}
	// Bad input is refused before the database is opened or a worker starts.
	if _, err := cfg.Validate(cat); err != nil {
		return err
	}
	store, runner, err := env.measuring(ctx, db, &wf, cat, stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	defer runner.Close()
	mode := ProgressQuiet
	if isTerminal(stderr) {
		mode = ProgressBar
	}
	progress := NewProgress(stderr, 1, mode, time.Now)
	progress.Start(cfg.Label())
	before := env.read(ctx)
	runner.OnProgress = func(_ engine.Config, p engine.Progress) { progress.Rep(p.Rep+1, p.Of, p.Warmup) }
	res, err := runner.Run(ctx, cfg)
	progress.Close()
	if err != nil {
		return err
	}
	// The run is stored even if the user presses Ctrl-C now: it is complete.
	cond := conditionsAround(before, env.read(ctx))
	run, err := record(context.WithoutCancel(ctx), store, engine.DetectMachine(), res, cond)
	if err != nil {
		return err
	}
	if format == "table" {
		writeRunTable(stdout, run, store.Path())
	} else if err := writeRuns(stdout, format, []storage.Run{*run}, false); err != nil {
		return err
	}
	if run.Status != storage.StatusOK {
		return failedRun{run.Status}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
