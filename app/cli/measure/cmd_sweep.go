package measure

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/progress"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/grid"
)

// gridOptions are the flags that describe a grid, shared by sweep and agent; they and --file
// exclude each other.
type gridOptions struct {
	models, precisions, contexts, generates, batches string
	targetCI, memoryLimit, file                      string
	maxRepeats                                       int
	spec                                             grid.SweepSpec
}

// GridFlags are the flags that describe a grid (and exclude --file).
var GridFlags = []string{"model", "precision", "context", "generate", "batch", "weights", "warmup",
	"repeats", "processes", "min-repeats", "max-repeats", "target-ci", "delay", "timeout", "memory-limit", "seed"}

func (g *gridOptions) add(fs *flag.FlagSet) {
	def := grid.DefaultSweepSpec()
	fs.StringVar(&g.models, "model", "", "`models`, comma-separated: catalog names, checkpoint folders or cached Hugging Face ids")
	fs.StringVar(&g.precisions, "precision", strings.Join(def.Precisions, ","), command.PrecisionUsage("`precisions`, comma-separated"))
	fs.StringVar(&g.contexts, "context", joinInts(def.Contexts), "prompt `tokens`: a list and ranges, e.g. 128,512 or 128-2048*2 (×2 steps) or 64-256+64 (+64 steps)")
	fs.StringVar(&g.generates, "generate", joinInts(def.Generates), "new `tokens` per sequence, as a list or range")
	fs.StringVar(&g.batches, "batch", joinInts(def.Batches), "batch `sizes`, as a list or range, e.g. 1,4 or 1-16*2")
	fs.StringVar(&g.spec.Weights, "weights", def.Weights, "`auto`, random or checkpoint")
	fs.IntVar(&g.spec.Warmup, "warmup", def.Warmup, "warm-up `repetitions` per configuration")
	fs.IntVar(&g.spec.Repeats, "repeats", def.Repeats, "measured `repetitions` per configuration (fixed; see --target-ci)")
	fs.IntVar(&g.spec.Processes, "processes", def.Processes, "split each configuration's repetitions over this many fresh worker `processes`; 3 or more gives an interval a rerun lands in")
	fs.StringVar(&g.targetCI, "target-ci", "", "adaptive repetitions: stop once the 95% confidence interval of decode tokens/s is within this `percent` of the mean (e.g. 2%)")
	fs.IntVar(&g.spec.MinRepeats, "min-repeats", def.MinRepeats, "with --target-ci, at least this many `repetitions`")
	fs.IntVar(&g.maxRepeats, "max-repeats", grid.DefaultMaxRepeats, "with --target-ci, at most this many `repetitions`")
	fs.DurationVar(&g.spec.Delay, "delay", 0, "cool-down `duration` between configurations, e.g. 10s")
	fs.DurationVar(&g.spec.Timeout, "timeout", def.Timeout, "longest one configuration may take")
	fs.StringVar(&g.memoryLimit, "memory-limit", "", "memory `budget` for MLX, e.g. 16GiB: configurations whose peak exceeds it fail as oom, mapping a smaller machine's limits")
	fs.IntVar(&g.spec.Seed, "seed", 0, "random `seed` for weights and prompts")
	fs.StringVar(&g.file, "file", "", "read the grid from a JSON sweep `file` instead of the flags above (see docs/sweeps.md)")
}

// given reports whether any grid flag or --file was set.
func (g *gridOptions) given(fs *flag.FlagSet) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		for _, name := range append(GridFlags, "file") {
			if f.Name == name {
				set = true
			}
		}
	})
	return set
}

// resolve builds the grid from --file or the flags and checks all of it against the catalog.
func (g *gridOptions) resolve(fs *flag.FlagSet, cat *engine.Catalog) (grid.SweepSpec, error) {
	spec := g.spec
	if g.file != "" {
		var set []string
		fs.Visit(func(f *flag.Flag) {
			for _, name := range GridFlags {
				if f.Name == name {
					set = append(set, "--"+name)
				}
			}
		})
		if len(set) > 0 {
			return spec, command.UsageError(fmt.Errorf("--file describes the whole grid; drop %v or move them into the file", set))
		}
		f, err := os.Open(g.file)
		if err != nil {
			return spec, command.UsageError(fmt.Errorf("sweep file: %w", err))
		}
		defer f.Close()
		if spec, err = grid.ParseSweepFile(f, g.file); err != nil {
			return spec, err
		}
	} else {
		if g.models == "" {
			return spec, command.UsageError(errors.New("--model is required: name one or more models, e.g. --model gpt2,gpt2-medium (or use --file)"))
		}
		if err := parseGrid(&spec, g.models, g.precisions, g.contexts, g.generates, g.batches, g.targetCI, g.memoryLimit); err != nil {
			return spec, err
		}
		if spec.TargetCI > 0 {
			spec.Repeats = g.maxRepeats
		}
	}
	return spec, spec.Validate(cat)
}

// startTimeout is the timeout the user gave, by --timeout or in the sweep file, which then
// bounds the worker's start too; 0 when none was given.
func (g *gridOptions) startTimeout(fs *flag.FlagSet, spec grid.SweepSpec) time.Duration {
	given := g.file != "" && spec.Timeout != grid.DefaultSweepSpec().Timeout
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "timeout" })
	if !given {
		return 0
	}
	return spec.Timeout
}

// sweepOptions are sweep's flags: the grid, how to go through it, and the worker's.
type sweepOptions struct {
	grid                 gridOptions
	force, dryRun, quiet bool
	order                string // orderGrid or orderInformative
	command.WorkerOptions
}

func (o *sweepOptions) addFlags(fs *flag.FlagSet, env app.Env) {
	o.grid.add(fs)
	fs.BoolVar(&o.force, "force", false, "measure configurations again even if this machine and MLX version already measured them, and even those whose estimated memory (weights, KV cache, activations) exceeds this machine's")
	fs.BoolVar(&o.dryRun, "dry-run", false, dryRunUsage)
	fs.BoolVar(&o.quiet, "quiet", false, "print only warnings and the summary")
	fs.StringVar(&o.order, "order", orderGrid, "measurement `order`: grid (model by model, so weights load once) or informative (next, the configuration the advisor's decode models disagree on most)")
	o.WorkerOptions.AddFlags(fs, env)
}

func Sweep(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o sweepOptions
	o.addFlags(fs, env)
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "sweep [flags]",
		Description: `Measures every combination of the list-valued flags, one configuration at a time, and stores each
run as it completes; at the end it prints a table of what it measured, as llama-bench does.
Configurations of one model and precision share a worker, so weights load once; inside a group
the smallest go first, and when one runs out of memory the configurations that need more (longer
context, larger batch) are recorded as skipped instead of run. Running the same sweep again
resumes it: configurations this machine already measured with the same MLX version are skipped
(--force measures them again). Ctrl-C stops within a second; nothing partial is stored. A grid
with a configuration whose weights, KV cache and activations alone exceed the machine's memory is
refused before anything runs, unless --force.
--dry-run marks each configuration new, already measured or to be skipped, with an estimated time.
--order informative measures next, each time, the configuration the advisor's models disagree on most.`,
		Examples: []string{
			"sweep --model gpt2,gpt2-medium --context 128,256,512 --batch 1,4 --precision fp32,int8,int4 --generate 32",
			"sweep --model gpt2 --context 64-512*2 --target-ci 2% --max-repeats 20",
			"sweep --model gpt2-xl --context 128-512*2 --batch 1,8 --memory-limit 16GiB",
			"sweep --file docs/examples/sweep.json --dry-run",
			"sweep --model gpt2,gpt2-medium --precision fp16,int4 --context 128-512*2 --order informative",
		},
		Exits: []command.ExitMeaning{command.Done("every configuration stored, whatever its status"), command.Operational, command.BadInput,
			{Code: command.ExitInterrupted, Meaning: "interrupted (what was stored stays: the same command resumes)"}},
	})
	if err := fs.Parse(args); err != nil {
		return command.UsageError(err)
	}
	if fs.NArg() > 0 {
		return command.UsageError(fmt.Errorf("unexpected argument %q: every option is a flag (see inferbench sweep -h)", fs.Arg(0)))
	}
	return o.run(ctx, env, fs, stdout, stderr)
}

// run plans the grid and measures it; fs says which grid flags were given.
func (o *sweepOptions) run(ctx context.Context, env app.Env, fs *flag.FlagSet, stdout, stderr io.Writer) error {
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return err
	}

	// The whole grid is checked before the database is opened or a worker starts.
	spec, err := o.grid.resolve(fs, cat)
	if err != nil {
		return err
	}
	if o.order != orderGrid && o.order != orderInformative {
		return command.UsageError(fmt.Errorf("--order %q: choose grid or informative", o.order))
	}
	if err := checkMemory(cat, spec.Configs(), o.force, stderr); err != nil {
		return err
	}
	if o.dryRun && o.order == orderInformative {
		fmt.Fprintln(stdout, "Informative order: each next configuration is the one the advisor's decode models disagree on most,\n"+
			"chosen as runs land; until there are enough runs to train them, this teaching order decides:")
		for i, c := range engine.TeachingOrder(spec.Configs()) {
			fmt.Fprintf(stdout, "  %3d. %s\n", i+1, c.Label())
		}
		return nil
	}
	if o.dryRun {
		return dryRun(ctx, env, o.Path(env), cat, spec.Configs(), o.force, stdout)
	}
	groups := engine.Plan(spec.Configs())

	o.WorkerOptions.StartTimeout = o.grid.startTimeout(fs, spec)
	bench, release, err := o.Bench(ctx, env, cat, stderr)
	if err != nil {
		return err
	}
	defer release()
	defer bench.Store.Close()
	defer bench.Measurer.Close()
	mode := progress.Lines
	switch {
	case o.quiet:
		mode = progress.Quiet
	case isTerminal(stderr):
		mode = progress.Bar
	}
	total := 0
	for _, g := range groups {
		total += len(g.Configs)
	}
	prog := progress.New(stderr, total, mode, time.Now)
	s := &sweeper{bench: bench, progress: prog, force: o.force, delay: spec.Delay}
	run := s.run
	if o.order == orderInformative {
		run = func(ctx context.Context, _ []engine.Group) (sweepTally, error) {
			return s.runInformative(ctx, spec.Configs())
		}
	}
	tally, err := run(ctx, groups)
	prog.Close()
	if errors.Is(err, context.Canceled) {
		done := tally.measured + tally.already + tally.skipped + tally.invalid
		fmt.Fprintf(stderr, "Interrupted after %d of %d configurations; the one in flight was discarded.\n"+
			"Run the same command again to resume: measured configurations are skipped.\n", done, tally.total)
		return err
	}
	if err != nil {
		return err
	}
	return tally.report(stdout, bench.Store.Path())
}

// parseGrid fills the list-valued parts of spec from their flags, naming the flag in errors.
func parseGrid(spec *grid.SweepSpec, models, precisions, contexts, generates, batches, targetCI, memoryLimit string) error {
	var err error
	wrap := func(flag string, e error) error { return command.UsageError(fmt.Errorf("--%s: %w", flag, e)) }
	if spec.Models, err = grid.ParseStringList(models); err != nil {
		return wrap("model", err)
	}
	if spec.Precisions, err = grid.ParseStringList(precisions); err != nil {
		return wrap("precision", err)
	}
	for _, l := range []struct {
		flag, value string
		dst         *[]int
	}{{"context", contexts, &spec.Contexts}, {"generate", generates, &spec.Generates}, {"batch", batches, &spec.Batches}} {
		if *l.dst, err = grid.ParseIntList(l.value); err != nil {
			return wrap(l.flag, err)
		}
	}
	if targetCI != "" {
		if spec.TargetCI, err = grid.ParsePercent(targetCI); err != nil {
			return wrap("target-ci", err)
		}
	}
	if memoryLimit != "" {
		if spec.MemoryLimit, err = grid.ParseBytes(memoryLimit); err != nil {
			return wrap("memory-limit", err)
		}
	}
	return nil
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}
