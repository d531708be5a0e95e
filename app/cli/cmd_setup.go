package cli

import (
	"context"
	"flag"
	"io"
	"strings"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
)

func runSetup(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("setup", flag.ContinueOnError)
	flags.SetOutput(stderr)
	opts := app.DefaultSetupOptions(env)
	flags.StringVar(&opts.Venv, "venv", opts.Venv, "`folder` of the virtual environment to create or update")
	flags.StringVar(&opts.Base, "base-python", "", "`interpreter` that creates the environment (Python 3.10 or newer); default: the first new enough of "+
		strings.Join(opts.Bases, ", ")+", else one that uv installs")
	flags.BoolVar(&opts.Dev, "dev", false, "also install the test dependencies (pytest, mypy, tokenizers)")
	plan := flags.Bool("dry-run", false, "print the environment and the pinned requirements it would install, and change nothing")
	command.SetUsage(flags, stderr, command.HelpText{
		Synopsis: "setup [flags]",
		Description: `Creates (or updates) a Python virtual environment with the pinned mlx and mlx-lm the worker needs:
the CPU backend on Linux, Metal on macOS. pip downloads them from PyPI with their dependencies
(numpy, transformers, safetensors, tokenizers and others: about 40 packages, several hundred MB
installed). Where this machine has no Python 3.10 or newer (a stock Mac's is 3.9), uv, from PyPI
if need be, installs one. Models are never downloaded.`,
		Examples: []string{"setup", "setup --dry-run"},
		Exits:    []command.ExitMeaning{command.Done("the environment is ready"), {Code: command.ExitFailure, Meaning: "creating it or installing into it failed (the message says how to fix it)"}, {Code: command.ExitUsage, Meaning: "bad flags"}},
	})
	if err := flags.Parse(args); err != nil {
		return command.UsageError(err)
	}
	if *plan {
		return app.SetupPlan(env, opts, stdout)
	}
	return app.Setup(ctx, env, opts, stdout)
}
