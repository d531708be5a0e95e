package cli

import (
	"context"
	"flag"
	"io"

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

// workerOptions are the flags of every command that starts a worker: --db, --python and
// --verbose.
type workerOptions struct {
	dbOptions
	python  string
	verbose bool
}

func (o *workerOptions) addFlags(fs *flag.FlagSet, env app.Env) {
	o.dbOptions.addFlags(fs, env)
	fs.StringVar(&o.python, "python", "", "Python `interpreter` with mlx and mlx-lm (default: INFERBENCH_PYTHON, then the project's .venv, then the one `inferbench setup` made)")
	fs.BoolVar(&o.verbose, "verbose", false, "show the worker's log on stderr")
}

// spec finds the interpreter and unpacks the worker.
func (o *workerOptions) spec(env app.Env, stderr io.Writer) (engine.WorkerSpec, error) {
	py, err := env.FindPython(o.python)
	if err != nil {
		return engine.WorkerSpec{}, err
	}
	dir, err := app.UnpackWorker(resources.Worker(), env.CacheDir())
	if err != nil {
		return engine.WorkerSpec{}, err
	}
	spec := engine.WorkerSpec{Python: py, Dir: dir}
	if o.verbose {
		spec.Log = stderr
	}
	return spec, nil
}

// bench opens the database and readies a worker, as run and sweep need. The caller closes the
// bench's store and measurer.
func (o *workerOptions) bench(ctx context.Context, env app.Env, cat *engine.Catalog, stderr io.Writer) (*app.Bench, error) {
	store, err := o.open(ctx, env)
	if err != nil {
		return nil, err
	}
	spec, err := o.spec(env, stderr)
	if err != nil {
		store.Close()
		return nil, err
	}
	machine := engine.DetectMachine()
	return &app.Bench{Measurer: app.FromRunner(engine.NewRunner(cat, spec)), Store: store, Catalog: cat,
		Machine: machine, Sensors: env.Sensors, CPUBandwidth: env.CopyBandwidth(machine)}, nil
}
