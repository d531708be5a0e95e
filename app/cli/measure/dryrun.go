package measure

import (
	"context"
	"fmt"
	"io"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/plan"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// dryRunUsage is --dry-run's help, the same for every command that has it.
const dryRunUsage = "print the plan and exit without measuring: each configuration marked new, already measured (by which run) or to be skipped, an estimated time from stored runs, and warnings"

// forceMemoryUsage is --force's help where it lets a configuration past the memory estimate.
const forceMemoryUsage = "measure even a configuration whose estimated memory (weights, KV cache, activations) exceeds this machine's"

// dryRun prints the plan for cfgs against the database at dbPath (which it does not create),
// with the warnings a real run would give, and measures nothing.
func dryRun(ctx context.Context, env app.Env, dbPath string, cat *engine.Catalog, cfgs []engine.Config, force bool, w io.Writer) error {
	store, err := storage.OpenExisting(ctx, dbPath)
	if err != nil {
		return err
	}
	var (
		stored  []storage.Run
		done    map[storage.RunKey]storage.Measured // nil: nothing counts as measured
		machine = engine.DetectMachine()
	)
	if store != nil {
		defer store.Close()
		if stored, err = store.Runs(ctx, storage.RunFilter{}); err != nil {
			return err
		}
		if !force {
			if done, err = app.CompletedHere(ctx, store, machine, stored); err != nil {
				return err
			}
		}
	}
	groups := engine.Plan(cfgs)
	plan.Print(w, groups, plan.Mark(stored, done, cat, groups))
	for _, msg := range plan.Warnings(cat, cfgs, stored, plan.Backend(stored, env.GOOS), machine.MemoryBytes) {
		fmt.Fprintln(w, "warning:", msg)
	}
	return nil
}

// warnBefore gives the warnings of plan.Warnings for cfgs, measured by backend ("": the one
// the stored runs and goos suggest), to warn.
func warnBefore(ctx context.Context, b *app.Bench, cfgs []engine.Config, backend, goos string, warn func(string)) error {
	stored, err := b.Store.Runs(ctx, storage.RunFilter{})
	if err != nil {
		return err
	}
	if backend == "" {
		backend = plan.Backend(stored, goos)
	}
	for _, msg := range plan.Warnings(b.Catalog, cfgs, stored, backend, b.Machine.MemoryBytes) {
		warn("warning: " + msg)
	}
	return nil
}

// checkMemory refuses the configurations that need more memory than this machine has
// (plan.Oversized), before anything is opened or stored; with force it only warns.
func checkMemory(cat *engine.Catalog, cfgs []engine.Config, force bool, stderr io.Writer) error {
	memory := engine.DetectMachine().MemoryBytes
	over := plan.Oversized(cat, cfgs, memory)
	if !force {
		return plan.OversizeError(over, memory)
	}
	for _, o := range over {
		fmt.Fprintf(stderr, "inferbench: warning: %s, more than this machine's %s of memory; measuring it anyway (--force)\n",
			o, report.HumanBytes(memory))
	}
	return nil
}
