package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/inferbench/inferbench/app"
)

func runSetup(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("setup", flag.ContinueOnError)
	flags.SetOutput(stderr)
	opts := app.SetupOptions{}
	flags.StringVar(&opts.Venv, "venv", env.DefaultVenv(), "`folder` of the virtual environment to create or update")
	flags.StringVar(&opts.Base, "base-python", "python3", "`interpreter` that creates the environment (Python 3.10 or newer)")
	flags.BoolVar(&opts.Dev, "dev", false, "also install the test dependencies (pytest, mypy, tokenizers)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, `Usage: inferbench setup [flags]

Creates (or updates) a Python virtual environment with the pinned mlx and mlx-lm the worker needs:
the CPU backend on Linux, Metal on macOS. Nothing else is downloaded.

Flags:
`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return usageError(err)
	}
	return app.Setup(ctx, env, opts, stdout)
}
