package cli

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

// dbOptions is --db, declared here once for every command that reads or writes runs.
type dbOptions struct{ db string }

func (o *dbOptions) addFlags(fs *flag.FlagSet, env app.Env) {
	fs.StringVar(&o.db, "db", "", "SQLite `file` (default: INFERBENCH_DB, then "+storage.DefaultPath(env.GOOS, env.Getenv, env.Home)+")")
}

// path is the database the command uses: --db, then INFERBENCH_DB, then the platform default.
func (o dbOptions) path(env app.Env) string { return env.DBPath(o.db) }

func (o dbOptions) open(ctx context.Context, env app.Env) (*storage.DB, error) {
	return storage.Open(ctx, o.path(env))
}

// openReadOnly opens the database for a command that only reads: it creates nothing, and
// works in a folder it cannot write.
func (o dbOptions) openReadOnly(ctx context.Context, env app.Env) (*storage.DB, error) {
	return storage.OpenReadOnly(ctx, o.path(env))
}

// workerOptions are the flags of every command that starts a worker: --db, --python and
// --verbose.
type workerOptions struct {
	dbOptions
	python  string
	verbose bool
	wait    bool
	// startTimeout, when set, bounds the wait for a worker's hello instead of
	// engine.DefaultStartTimeout: the command's --timeout, when the user gave one.
	startTimeout time.Duration
}

// checkHome refuses to go on without HOME: the cache folder would be relative, and the worker
// would be unpacked into whatever folder inferbench runs from.
func checkHome(env app.Env) error {
	if !filepath.IsAbs(env.CacheDir()) {
		return usageError(errors.New("HOME is not set, so there is no cache folder for the worker: set HOME (or XDG_CACHE_HOME to an absolute path)"))
	}
	return nil
}

// timeoutFrom makes a --timeout the user gave bound the worker's start too.
func (o *workerOptions) timeoutFrom(fs *flag.FlagSet, timeout time.Duration) {
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "timeout" {
			o.startTimeout = timeout
		}
	})
}

func (o *workerOptions) addFlags(fs *flag.FlagSet, env app.Env) {
	o.dbOptions.addFlags(fs, env)
	fs.BoolVar(&o.wait, "wait", false, "when another inferbench is measuring on this machine or into this database, wait for it instead of exiting")
	fs.StringVar(&o.python, "python", "", "Python `interpreter` with mlx and mlx-lm (default: INFERBENCH_PYTHON, then the project's .venv, then the one `inferbench setup` made)")
	fs.BoolVar(&o.verbose, "verbose", false, "show the worker's log on stderr")
}

// spec finds the interpreter and unpacks the worker.
func (o *workerOptions) spec(env app.Env, stderr io.Writer) (engine.WorkerSpec, error) {
	py, err := env.FindPython(o.python)
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
	spec := engine.WorkerSpec{Python: py, Dir: dir, StartTimeout: o.startTimeout}
	if o.verbose {
		spec.Log = stderr
	}
	return spec, nil
}

// lock makes this the one inferbench measuring on the machine and into the database.
func (o *workerOptions) lock(ctx context.Context, env app.Env) (release func(), err error) {
	// A path that can never be a database is refused before a lock file lands beside it.
	if err := storage.CheckPath(o.path(env)); err != nil {
		return nil, err
	}
	return app.LockMeasuring(ctx, env, o.path(env), o.wait)
}

// bench takes the measuring lock, opens the database and readies a worker, as run and sweep
// need. The caller calls release once it has closed the bench's store and measurer.
func (o *workerOptions) bench(ctx context.Context, env app.Env, cat *engine.Catalog, stderr io.Writer) (b *app.Bench, release func(), err error) {
	if err := checkHome(env); err != nil {
		return nil, nil, err
	}
	unlock, err := o.lock(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	store, err := o.open(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	spec, err := o.spec(env, stderr)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	machine := engine.DetectMachine()
	return &app.Bench{Measurer: app.FromRunner(engine.NewRunner(cat, spec)), Store: store, Catalog: cat,
		Machine: machine, Sensors: env.Sensors, CPUBandwidth: env.CopyBandwidth(machine), Meter: env.OpenMeter(ctx),
		Warn: func(msg string) { fmt.Fprintln(stderr, "inferbench: warning:", msg) }}, unlock, nil
}

// parseInterspersed parses flags that may come before, between or after the arguments, and
// returns the arguments.
func parseInterspersed(fset *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fset.Parse(args); err != nil {
			return nil, usageError(err)
		}
		if fset.NArg() == 0 {
			return rest, nil
		}
		rest, args = append(rest, fset.Arg(0)), fset.Args()[1:]
	}
}
