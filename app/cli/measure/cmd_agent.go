package measure

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/agent"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/sensors"
	"github.com/inferbench/inferbench/storage"
)

// policyFlags are the conditions for background runs, as flags.
type policyFlags struct {
	policy     agent.Policy
	maxThermal string
}

func (p *policyFlags) add(fs *flag.FlagSet) {
	p.policy = agent.DefaultPolicy()
	fs.DurationVar(&p.policy.IdleThreshold, "idle", p.policy.IdleThreshold, "run only after the user has been away this `long` (0: ignore idleness)")
	fs.BoolVar(&p.policy.RequireAC, "ac-only", p.policy.RequireAC, "run only on mains power")
	fs.StringVar(&p.maxThermal, "max-thermal", string(p.policy.MaxThermal), "hottest thermal `state` a run may start or go on in: nominal, fair, serious or critical")
	fs.BoolVar(&p.policy.AllowLowPower, "allow-low-power", false, "run even in low-power mode")
	fs.DurationVar(&p.policy.CooldownMax, "cooldown", p.policy.CooldownMax, "longest `wait` between runs for the machine to cool to nominal")
}

func (p *policyFlags) resolve() (agent.Policy, error) {
	p.policy.MaxThermal = sensors.Thermal(p.maxThermal)
	if err := p.policy.Validate(); err != nil {
		return agent.Policy{}, command.UsageError(err)
	}
	return p.policy, nil
}

func Agent(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		grid    gridOptions
		pf      policyFlags
		wo      command.WorkerOptions
		once    bool
		replace bool
		force   bool
		plan    bool
		poll    time.Duration
	)
	grid.add(fs)
	pf.add(fs)
	wo.AddFlags(fs, env)
	fs.BoolVar(&once, "once", false, "measure what the queue holds, then exit")
	fs.BoolVar(&plan, "dry-run", false, "with grid flags: "+dryRunUsage+"; nothing is queued")
	fs.BoolVar(&force, "force", false, "queue "+strings.TrimPrefix(forceMemoryUsage, "measure "))
	fs.BoolVar(&replace, "replace", false, "replace the queue with the given grid instead of adding to it")
	fs.DurationVar(&poll, "poll", 250*time.Millisecond, "how often conditions are read during a run; a run stops at most this `long` after they end")
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "agent [grid flags] [flags]",
		Description: `Benchmarks in the background: measures the queued configurations one at a time, only while the
machine is idle (--idle), on mains power (--ac-only), no hotter than --max-thermal and not in
low-power mode, and stops a run within a second when any of that ends (nothing partial is stored;
the configuration stays queued). A sensor the machine does not have (no battery, no thermal zones)
is "not present" and does not hold runs back; one that exists but cannot be read does, and with
--once the agent then exits with the reason. The queue lives in the database and survives
restarts; grid flags (those of inferbench sweep, or --file) add to it, ordered so that early runs
teach the advisor most, and --dry-run shows what they would add. inferbench status shows each
condition.`,
		Examples: []string{
			"agent --model gpt2,gpt2-medium --precision fp16,int4 --context 128-512*2 --batch 1,4",
			"agent --model gpt2 --context 128,512 --precision fp32 --dry-run",
			"agent --once --idle 0 --ac-only=false   # a server: measure the queue now, then exit",
		},
		Exits: []command.ExitMeaning{command.Done("the queue is measured (--once) or the agent was stopped"),
			{Code: command.ExitFailure, Meaning: "the queue cannot progress here (a sensor the policy needs cannot be read, the worker cannot start) or the database failed"},
			{Code: command.ExitUsage, Meaning: "bad input, or an empty queue"}, command.Interrupted},
	})
	if err := fs.Parse(args); err != nil {
		return command.UsageError(err)
	}
	if fs.NArg() > 0 {
		return command.UsageError(fmt.Errorf("unexpected argument %q (see inferbench agent -h)", fs.Arg(0)))
	}
	policy, err := pf.resolve()
	if err != nil {
		return err
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return err
	}
	var items []storage.QueueItem
	if grid.given(fs) {
		spec, err := grid.resolve(fs, cat)
		if err != nil {
			return err
		}
		wo.StartTimeout = grid.startTimeout(fs, spec)
		if err := checkMemory(cat, spec.Configs(), force, stderr); err != nil {
			return err
		}
		if plan {
			return dryRun(ctx, env, wo.Path(env), cat, spec.Configs(), false, stdout)
		}
		items = agent.QueueItems(cat, spec.Configs())
	} else if plan {
		return command.UsageError(errors.New("--dry-run shows what grid flags would queue: give a grid, e.g. inferbench agent --model gpt2 --context 128,512 --dry-run"))
	}
	// The agent measures for as long as it runs: it holds the lock from the start, so that the
	// queue it edits is the one it measures.
	release, err := wo.Lock(ctx, env)
	if err != nil {
		return err
	}
	defer release()
	store, err := wo.Open(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	if replace {
		if err := store.ClearQueue(ctx); err != nil {
			return err
		}
	}
	if len(items) > 0 {
		added, err := store.Enqueue(ctx, items)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "Queued %d configurations (%d new).\n", len(items), added)
	}
	if queued, err := store.Queue(ctx); err != nil {
		return err
	} else if len(queued) == 0 {
		return command.UsageError(errors.New("the queue is empty: give the agent a grid, e.g. inferbench agent --model gpt2 --context 128,512 --precision fp16,int4"))
	}
	wspec, err := wo.Spec(env, stderr)
	if err != nil {
		return err
	}
	runner := engine.NewRunner(cat, wspec)
	defer runner.Close()
	machine := engine.DetectMachine()
	bench := &app.Bench{Measurer: app.FromRunner(runner), Store: store, Catalog: cat, Machine: machine, Sensors: env.Sensors,
		CPUBandwidth: env.CopyBandwidth(machine), Meter: env.OpenMeter(ctx)}
	ctl := agent.NewController(agent.ControllerConfig{Bench: bench, Policy: policy, Poll: poll, Once: once,
		Log: slog.New(slog.NewTextHandler(stderr, nil)).With("component", "agent")})
	ctl.Start()
	err = ctl.Run(ctx)
	if errors.Is(err, context.Canceled) {
		// Exit 130, as every command that is interrupted.
		fmt.Fprintln(stderr, "Agent stopped; the queue is kept for next time.")
		return err
	}
	if err == nil && once {
		fmt.Fprintln(stderr, "The queue is measured; see inferbench runs.")
	}
	return err
}
