// Package desktop is the core of the menu-bar app: view models, preferences and the content of
// the Recommendations window, computed here so that the Cocoa shell only renders them.
package desktop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/agent"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// Desktop is the application core as the menu-bar app drives it: one controller and the
// functions behind its windows. It is built from an Env like the command line, and the Cocoa
// shell only calls it.
type Desktop struct {
	// Advise returns the recommended settings under p and the fit behind them; a nil fit means
	// there is none yet. Charts returns PNG files to show beside them. Both are set by the advisor
	// integration; while nil, the window says how many runs are still needed.
	Advise func(ctx context.Context, p Preferences) ([]RecommendationRow, *FitSummary, error)
	Charts func(ctx context.Context, p Preferences) ([]string, error)

	controller *agent.Controller
	// prefsProblem is why the saved preferences could not be used (a corrupt file, or values
	// that no longer validate); the app then runs on the defaults until the user saves, and the
	// shell says so. Set by New only.
	prefsProblem error
	log          *slog.Logger // an app opened from Finder has no terminal to print to
	logFile      io.Closer

	env     app.Env
	cat     *engine.Catalog
	store   *storage.DB
	runner  *engine.Runner
	machine engine.Machine

	mu    sync.Mutex // the windows save and read preferences from their own goroutines
	prefs Preferences
}

// typicalRunFallback is a run's length before this machine has measured any: a small model's
// load, warm-up and five repetitions.
const typicalRunFallback = 3 * time.Minute

// New opens the database, reads the preferences and queues their grid, and builds a
// stopped controller. A nil log logs to inferbench.log in the data folder. Close releases what
// it opened.
func New(ctx context.Context, env app.Env, log *slog.Logger) (*Desktop, error) {
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return nil, err
	}
	machine := engine.DetectMachine()
	d := &Desktop{env: env, cat: cat, machine: machine, prefs: DefaultPreferences(machine.MemoryBytes), log: log}
	if d.log == nil {
		if err := os.MkdirAll(env.DataDir(), 0o755); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(filepath.Join(env.DataDir(), "inferbench.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		d.log, d.logFile = slog.New(slog.NewTextHandler(f, nil)), f
	}
	switch p, err := LoadPreferences(PreferencesPath(env)); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		d.prefsProblem = err
	default:
		if err := p.Validate(cat, machine.MemoryBytes); err != nil {
			d.prefsProblem = fmt.Errorf("the preferences in %s are not valid, so the defaults are used until you save:\n%w", PreferencesPath(env), err)
		} else {
			d.prefs = p
		}
	}
	if d.store, err = storage.Open(ctx, env.DBPath("")); err != nil {
		return nil, err
	}
	if err := d.queue(ctx, false); err != nil {
		d.store.Close()
		return nil, err
	}
	dir, err := app.UnpackWorker(resources.Worker(), env.CacheDir())
	if err != nil {
		d.store.Close()
		return nil, err
	}
	// Before setup has run there is no interpreter yet: point the worker at the one setup makes,
	// so benchmarking works after first-launch setup without a restart.
	py, err := env.FindPython("")
	if err != nil {
		py = app.VenvPython(env.DefaultVenv())
	}
	d.runner = engine.NewRunner(cat, engine.WorkerSpec{Python: py, Dir: dir})
	bench := &app.Bench{Measurer: app.FromRunner(d.runner), Store: d.store, Catalog: cat, Machine: machine, Sensors: env.Sensors,
		CPUBandwidth: env.CopyBandwidth(machine), Meter: env.OpenMeter(ctx)}
	dbPath := env.DBPath("")
	d.controller = agent.NewController(agent.ControllerConfig{Bench: bench, Policy: d.prefs.Policy(),
		Log: d.log.With("component", "controller"),
		// The app measures only while no sweep or agent does, and waits while one does.
		Lock: func(ctx context.Context) (func(), error) { return app.LockMeasuring(ctx, env, dbPath, false) }})
	d.Advise, d.Charts = d.advise, d.chartFiles
	return d, nil
}

// Controller is the background benchmarker the menu bar starts and pauses.
func (d *Desktop) Controller() *agent.Controller { return d.controller }

// PreferencesProblem is why the saved preferences are not in force, or nil.
func (d *Desktop) PreferencesProblem() error { return d.prefsProblem }

// Log is where the app logs.
func (d *Desktop) Log() *slog.Logger { return d.log }

// Close stops the workers and closes the database; call it after the controller's Run returned.
func (d *Desktop) Close() {
	d.runner.Close()
	d.store.Close()
	if d.logFile != nil {
		d.logFile.Close()
	}
}

// queue puts the preferences' grid in the work queue; replace drops what earlier preferences
// queued. Configurations already measured are not measured again either way.
func (d *Desktop) queue(ctx context.Context, replace bool) error {
	if replace {
		if err := d.store.ClearQueue(ctx); err != nil {
			return err
		}
	}
	_, err := d.store.Enqueue(ctx, agent.QueueItems(d.cat, d.Preferences().QueueConfigs(d.cat)))
	return err
}

// Preferences returns the preferences in force.
func (d *Desktop) Preferences() Preferences {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.prefs
}

// ValidatePreferences checks p as SavePreferences will.
func (d *Desktop) ValidatePreferences(p Preferences) error {
	return p.Validate(d.cat, d.machine.MemoryBytes)
}

// ModelChoices and PrecisionChoices are what the preferences window offers to pick from.
func (d *Desktop) ModelChoices() []string     { return d.cat.ModelNames(false) }
func (d *Desktop) PrecisionChoices() []string { return d.cat.PrecisionNames() }

// SavePreferences validates p, writes it, queues its grid in place of the old one and hands
// the controller the new conditions for running.
func (d *Desktop) SavePreferences(ctx context.Context, p Preferences) error {
	if err := d.ValidatePreferences(p); err != nil {
		return err
	}
	if err := SavePreferences(PreferencesPath(d.env), p); err != nil {
		return err
	}
	d.mu.Lock()
	d.prefs = p
	d.mu.Unlock()
	d.controller.SetPolicy(p.Policy())
	return d.queue(ctx, true)
}

// Recommendations builds the Recommendations window's content.
func (d *Desktop) Recommendations(ctx context.Context) (RecView, error) {
	var (
		rows []RecommendationRow
		fit  *FitSummary
		err  error
	)
	if d.Advise != nil {
		if rows, fit, err = d.Advise(ctx, d.Preferences()); err != nil {
			return RecView{}, err
		}
	}
	ok, err := d.store.Runs(ctx, storage.RunFilter{Status: storage.StatusOK})
	if err != nil {
		return RecView{}, err
	}
	needed := 0
	if fit == nil {
		needed = max(advisor.MinRuns-len(ok), 0)
	}
	return RecommendationsView(rows, fit, time.Now(), needed, typicalRun(ok)), nil
}

// typicalRun is the median wall time of stored runs, or a guess before there are any.
func typicalRun(runs []storage.Run) time.Duration {
	var ms []float64
	for _, r := range runs {
		if r.DurationMs > 0 {
			ms = append(ms, r.DurationMs)
		}
	}
	if len(ms) == 0 {
		return typicalRunFallback
	}
	slices.Sort(ms)
	return time.Duration(ms[len(ms)/2] * float64(time.Millisecond))
}

// ChartPaths returns the PNG charts to show with the recommendations, if any.
func (d *Desktop) ChartPaths(ctx context.Context) ([]string, error) {
	if d.Charts == nil {
		return nil, nil
	}
	return d.Charts(ctx, d.Preferences())
}

// ExportCSV writes every stored run to path as `inferbench export --format csv` does, replacing
// the file only once the export is complete.
func (d *Desktop) ExportCSV(ctx context.Context, path string) error {
	runs, err := d.store.Runs(ctx, storage.RunFilter{})
	if err != nil {
		return err
	}
	f, err := app.CreateAtomicFile(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := report.WriteRows(f, "csv", report.RunColumns(), runs, report.RowOptions{Array: true}); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// SuggestedExportName is the file name the save panel proposes.
func SuggestedExportName(now time.Time) string {
	return "inferbench-runs-" + now.Format("2006-01-02") + ".csv"
}

// CheckPython reports whether the worker can start: an interpreter is found and imports MLX.
func (d *Desktop) CheckPython(ctx context.Context) error {
	py, err := d.env.FindPython("")
	if err != nil {
		return err
	}
	dir, err := app.UnpackWorker(resources.Worker(), d.env.CacheDir())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	w, err := engine.StartWorker(ctx, engine.WorkerSpec{Python: py, Dir: dir})
	if err != nil {
		return fmt.Errorf("the Python environment at %s cannot run the worker: %w", filepath.Dir(filepath.Dir(py)), err)
	}
	w.Close()
	return nil
}

// Setup creates the Python environment where the worker looks for it, as `inferbench setup` does,
// writing its progress to out. On a Mac without Python 3.10 or newer, uv installs one.
func (d *Desktop) Setup(ctx context.Context, out io.Writer) error {
	return app.Setup(ctx, d.env, app.DefaultSetupOptions(d.env), out)
}

// Executable is the running binary's path.
func (d *Desktop) Executable() string { return d.env.Exe }

// DataDir is where the database, preferences and Python environment live, for the shell to show.
func (d *Desktop) DataDir() string { return d.env.DataDir() }
