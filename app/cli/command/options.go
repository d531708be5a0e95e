package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// DBOptions is --db, declared here once for every command that reads or writes runs.
type DBOptions struct{ db string }

func (o *DBOptions) AddFlags(fs *flag.FlagSet, env app.Env) {
	fs.StringVar(&o.db, "db", "", "SQLite `file` (default: INFERBENCH_DB, then "+storage.DefaultPath(env.GOOS, env.Getenv, env.Home)+")")
}

// path is the database the command uses: --db, then INFERBENCH_DB, then the platform default.
func (o DBOptions) Path(env app.Env) string { return env.DBPath(o.db) }

func (o DBOptions) Open(ctx context.Context, env app.Env) (*storage.DB, error) {
	return storage.Open(ctx, o.Path(env))
}

// openReadOnly opens the database for a command that only reads: it creates nothing, and
// works in a folder it cannot write.
func (o DBOptions) OpenReadOnly(ctx context.Context, env app.Env) (*storage.DB, error) {
	return storage.OpenReadOnly(ctx, o.Path(env))
}

// WorkerOptions are the flags of every command that starts a worker: --db, --python and
// --verbose.
type WorkerOptions struct {
	DBOptions
	Python  string // --python
	verbose bool
	wait    bool
	// StartTimeout, when set, bounds the wait for a worker's hello instead of
	// engine.DefaultStartTimeout: the command's --timeout, when the user gave one.
	StartTimeout time.Duration
}

// checkHome refuses to go on without HOME: the cache folder would be relative, and the worker
// would be unpacked into whatever folder inferbench runs from.
func checkHome(env app.Env) error {
	if !filepath.IsAbs(env.CacheDir()) {
		return UsageError(errors.New("HOME is not set, so there is no cache folder for the worker: set HOME (or XDG_CACHE_HOME to an absolute path)"))
	}
	return nil
}

// timeoutFrom makes a --timeout the user gave bound the worker's start too.
func (o *WorkerOptions) TimeoutFrom(fs *flag.FlagSet, timeout time.Duration) {
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "timeout" {
			o.StartTimeout = timeout
		}
	})
}

func (o *WorkerOptions) AddFlags(fs *flag.FlagSet, env app.Env) {
	o.DBOptions.AddFlags(fs, env)
	fs.BoolVar(&o.wait, "wait", false, "when another inferbench is measuring on this machine or into this database, wait for it instead of exiting")
	fs.StringVar(&o.Python, "python", "", "Python `interpreter` with mlx and mlx-lm (default: INFERBENCH_PYTHON, then the project's .venv, then the one `inferbench setup` made)")
	fs.BoolVar(&o.verbose, "verbose", false, "show the worker's log on stderr")
}

// spec finds the interpreter and unpacks the worker.
func (o *WorkerOptions) Spec(env app.Env, stderr io.Writer) (engine.WorkerSpec, error) {
	py, err := env.FindPython(o.Python)
	if err != nil {
		return engine.WorkerSpec{}, err
	}
	if err := checkHome(env); err != nil {
		return engine.WorkerSpec{}, err
	}
	dir, err := app.UnpackWorker(resources.Worker(), env.CacheDir())
	if err != nil {
		return engine.WorkerSpec{}, err
	}
	spec := engine.WorkerSpec{Python: py, Dir: dir, StartTimeout: o.StartTimeout}
	if o.verbose {
		spec.Log = stderr
	}
	return spec, nil
}

// lock makes this the one inferbench measuring on the machine and into the database.
func (o *WorkerOptions) Lock(ctx context.Context, env app.Env) (release func(), err error) {
	// A path that can never be a database is refused before a lock file lands beside it.
	if err := storage.CheckPath(o.Path(env)); err != nil {
		return nil, err
	}
	return app.LockMeasuring(ctx, env, o.Path(env), o.wait)
}

// bench takes the measuring lock, opens the database and readies a worker, as run and sweep
// need. The caller calls release once it has closed the bench's store and measurer.
func (o *WorkerOptions) Bench(ctx context.Context, env app.Env, cat *engine.Catalog, stderr io.Writer) (b *app.Bench, release func(), err error) {
	if err := checkHome(env); err != nil {
		return nil, nil, err
	}
	unlock, err := o.Lock(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	store, err := o.Open(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	spec, err := o.Spec(env, stderr)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	machine := engine.DetectMachine()
	return &app.Bench{Measurer: app.FromRunner(engine.NewRunner(cat, spec)), Store: store, Catalog: cat,
		Machine: machine, Sensors: env.Sensors, CPUBandwidth: env.CopyBandwidth(machine), Meter: env.OpenMeter(ctx),
		Warn: func(msg string) { fmt.Fprintln(stderr, "inferbench: warning:", msg) }}, unlock, nil
}

// ParseInterspersed parses flags that may come before, between or after the arguments, and
// returns the arguments.
func ParseInterspersed(fset *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fset.Parse(args); err != nil {
			return nil, UsageError(err)
		}
		if fset.NArg() == 0 {
			return rest, nil
		}
		rest, args = append(rest, fset.Arg(0)), fset.Args()[1:]
	}
}
