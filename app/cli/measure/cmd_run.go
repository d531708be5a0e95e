package measure

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/progress"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/grid"
	"github.com/inferbench/inferbench/storage"
)

// runOptions are run's flags: one configuration, the output format, and the worker's.
type runOptions struct {
	cfg    engine.Config
	format string
	plan   bool // --dry-run
	force  bool
	command.WorkerOptions
}

func (o *runOptions) addFlags(fs *flag.FlagSet, env app.Env) {
	def := grid.DefaultSweepSpec() // run's defaults are a sweep's, for one configuration
	fs.StringVar(&o.cfg.Model, "model", "gpt2", "catalog `name` (see `inferbench models`), checkpoint folder, or Hugging Face id in the local cache")
	fs.StringVar(&o.cfg.Precision, "precision", def.Precisions[0], command.PrecisionUsage("weight `precision`"))
	fs.StringVar(&o.cfg.Weights, "weights", def.Weights, "`auto` (a local checkpoint if there is one, else random), random or checkpoint")
	fs.IntVar(&o.cfg.Context, "context", def.Contexts[0], "prompt `tokens` per sequence")
	fs.IntVar(&o.cfg.Generate, "generate", def.Generates[0], "new `tokens` per sequence, the first one included")
	fs.IntVar(&o.cfg.Batch, "batch", def.Batches[0], "`sequences` decoded together")
	fs.IntVar(&o.cfg.Warmup, "warmup", def.Warmup, "warm-up `repetitions`, not recorded")
	fs.IntVar(&o.cfg.Repeats, "repeats", def.Repeats, "measured `repetitions`")
	fs.IntVar(&o.cfg.Processes, "processes", 1, "split the repetitions over this many fresh worker `processes`; 3 or more gives an interval that a rerun lands in")
	fs.IntVar(&o.cfg.Seed, "seed", 0, "random `seed` for weights and prompts")
	fs.DurationVar(&o.cfg.Timeout, "timeout", def.Timeout, "longest a measurement may take before the worker is stopped and the run recorded as timeout")
	command.FormatFlag(fs, &o.format, report.RunFormats())
	fs.BoolVar(&o.plan, "dry-run", false, dryRunUsage)
	fs.BoolVar(&o.force, "force", false, forceMemoryUsage)
	o.WorkerOptions.AddFlags(fs, env)
}

func Run(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o runOptions
	o.addFlags(fs, env)
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "run [flags]",
		Description: `Measures one configuration with MLX and stores it: time to first token, prefill tokens/s,
every decode token's latency, decode tokens/s and peak memory over --repeats repetitions after
--warmup. On Linux's CPU backend only fp32 has fast kernels (BLAS); other precisions are measured
but run several times slower, and run says so. --dry-run checks the configuration and prints the
plan without measuring. A configuration whose weights, KV cache and activations alone exceed
the machine's memory is refused before anything runs, unless --force.`,
		Examples: []string{
			"run --model gpt2 --context 128 --generate 32 --precision fp16 --format json",
			"run --model gpt2 --precision fp32 --repeats 6 --processes 3   # an interval a rerun lands in",
			"run --model qwen2.5-0.5b --context 2048 --precision int4 --dry-run",
		},
		Exits: []command.ExitMeaning{command.Done("measured"), {Code: command.ExitFailure, Meaning: "the measurement failed (oom, crash, timeout: stored with its reason) or could not run"},
			command.BadInput, command.Interrupted},
	})
	if err := fs.Parse(args); err != nil {
		return command.UsageError(err)
	}
	if fs.NArg() > 0 {
		return command.UsageError(fmt.Errorf("unexpected argument %q: every option is a flag (see inferbench run -h)", fs.Arg(0)))
	}
	o.TimeoutFrom(fs, o.cfg.Timeout)
	return o.run(ctx, env, stdout, stderr)
}

// run measures the configuration, stores it and prints the stored run.
func (o *runOptions) run(ctx context.Context, env app.Env, stdout, stderr io.Writer) error {
	if err := command.CheckFormat(o.format, report.RunFormats()); err != nil {
		return err
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return err
	}
	// Bad input is refused before the database is opened or a worker starts.
	if _, err := o.cfg.Validate(cat); err != nil {
		return err
	}
	if err := checkMemory(cat, []engine.Config{o.cfg}, o.force, stderr); err != nil {
		return err
	}
	if o.plan {
		return dryRun(ctx, env, o.Path(env), cat, []engine.Config{o.cfg}, true, stdout)
	}
	bench, release, err := o.Bench(ctx, env, cat, stderr)
	if err != nil {
		return err
	}
	defer release()
	defer bench.Store.Close()
	defer bench.Measurer.Close()
	mode := progress.Quiet
	if isTerminal(stderr) {
		mode = progress.Bar
	}
	prog := progress.New(stderr, 1, mode, time.Now)
	// The backend is the stored runs' guess: asking a worker here would start it outside
	// Measure, where its death at start-up is recorded as a result.
	if err := warnBefore(ctx, bench, []engine.Config{o.cfg}, "", env.GOOS, prog.Warn); err != nil {
		return err
	}
	prog.Start(o.cfg.Label())
	run, err := bench.Measure(ctx, o.cfg, app.Hooks{Progress: func(p engine.Progress) { prog.Rep(p.Rep+1, p.Of, p.Warmup) }})
	prog.Close()
	if err != nil {
		return err
	}
	if o.format == "table" {
		report.WriteRunTable(stdout, run, bench.Store.Path())
	} else if err := report.WriteRuns(stdout, o.format, []storage.Run{*run}, false); err != nil {
		return err
	}
	if run.Status != storage.StatusOK {
		return command.FailedRun{Status: run.Status}
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
