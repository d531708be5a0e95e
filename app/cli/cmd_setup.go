package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/inferbench/inferbench/app"
)

func runSetup(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("setup", flag.ContinueOnError)
	flags.SetOutput(stderr)
	opts := app.DefaultSetupOptions(env)
	flags.StringVar(&opts.Venv, "venv", opts.Venv, "`folder` of the virtual environment to create or update")
	flags.StringVar(&opts.Base, "base-python", "", "`interpreter` that creates the environment (Python 3.10 or newer); default: the first new enough of "+
		strings.Join(opts.Bases, ", ")+", else one that uv installs")
	flags.BoolVar(&opts.Dev, "dev", false, "also install the test dependencies (pytest, mypy, tokenizers)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, `Usage: inferbench setup [flags]

Creates (or updates) a Python virtual environment with the pinned mlx and mlx-lm the worker needs:
the CPU backend on Linux, Metal on macOS. Where this machine has no Python 3.10 or newer (a stock
Mac's is 3.9), uv, from PyPI if need be, installs one. Nothing else is downloaded.

Flags:
`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return usageError(err)
	}
	return app.Setup(ctx, env, opts, stdout)
}
