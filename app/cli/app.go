// Package cli is the inferbench command line: one file per command, the flags they share, and
// the sweeper. Main maps every error to an exit code in one place.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// Version is the inferbench version, set at build time with -ldflags "-X ...app/cli.Version=...".
var Version = "0.1.0-dev"

// Exit codes, the same for every command (usage and docs/reliability.md list them): 0 success,
// 1 a measured failure or an operational error (a worker that cannot start, another inferbench
// measuring, a full disk), 2 bad input (flags, configurations, a --db that is not a usable
// database file), 3 compare found a regression (a gate for scripts and CI), 70 an internal
// error (a bug: please report it; sysexits' EX_SOFTWARE), 130 interrupted (Ctrl-C, SIGTERM).
// A Go runtime crash would exit 2, which means bad input, so panics are recovered and end as 70.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitRegression  = 3 // compare found a regression: a gate for scripts and CI
	ExitInternal    = 70
	ExitInterrupted = 130
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "measure one configuration and store it", runRun},
		{"sweep", "measure a grid of configurations, resumably", runSweep},
		{"agent", "benchmark in the background while idle, on AC and cool", runAgent},
		{"status", "show what the agent is doing and why", runStatus},
		{"runs", "list stored runs", runRuns},
		{"export", "export stored runs as csv, json, jsonl, md or parquet", runExport},
		{"compare", "compare a baseline's runs with a candidate's, with intervals", runCompare},
		{"import", "add the runs of other databases, without duplicates", runImport},
		{"fit", "fit and validate models of speed and memory to the runs", runFit},
		{"predict", "predict a configuration's speed and memory", runPredict},
		{"recommend", "rank the fastest configurations that fit a budget", runRecommend},
		{"charts", "draw the runs and predictions as PNG and SVG", runCharts},
		{"report", "write an analysis of the runs as one HTML page and its Markdown twin", runReport},
		{"models", "list the model catalog and precisions", runModels},
		{"setup", "create the Python environment with MLX", runSetup},
		{"doctor", "check the Python environment, the worker and the database", runDoctor},
		{"version", "print the version", runVersion},
	}
}

// Main runs the command line and returns the process's exit code.
func Main(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "inferbench: internal error (a bug in Inferbench; please report it with this output): %v\n%s", r, debug.Stack())
			code = ExitInternal
		}
	}()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(c.run(ctx, env, args[1:], stdout, stderr), stderr)
		}
	}
	fmt.Fprintf(stderr, "inferbench: unknown command %q\n\n", args[0])
	usage(stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Inferbench measures LLM inference through MLX: time to first token, ms per token, tokens/s and
peak memory, for each model, precision, context and batch, stored in SQLite.

Usage: inferbench <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Start here:
  inferbench doctor
  inferbench run --model gpt2 --context 128 --generate 32 --precision fp32

Run "inferbench <command> -h" for a command's flags.

Exit status: 0 success; 1 a failed measurement or an operational error (the worker cannot
start, another inferbench is measuring, the disk is full); 2 bad input (flags, configurations,
a --db that is not a usable database); 3 compare found a regression; 70 an internal error
(a bug); 130 interrupted.
`)
}

// usageErr is bad input on the command line.
type usageErr struct{ err error }

func (e usageErr) Error() string { return e.err.Error() }
func (e usageErr) Unwrap() error { return e.err }

func usageError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return flag.ErrHelp
	}
	return usageErr{err}
}

// failedRun is a measurement that completed with a failure status; its details were printed.
type failedRun struct{ status string }

func (e failedRun) Error() string { return "the measurement failed: " + e.status }

// exitCode maps an error to an exit code, printing it first. This is the one place that does.
func exitCode(err error, stderr io.Writer) int {
	var (
		invalid *engine.InvalidError
		usage   usageErr
		failed  failedRun
		regress regressions
	)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &failed):
		return ExitFailure
	case errors.As(err, &regress):
		return ExitRegression
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "inferbench: interrupted")
		return ExitInterrupted
	case errors.As(err, &usage), errors.As(err, &invalid), errors.Is(err, storage.ErrNotWritable),
		errors.Is(err, storage.ErrNotDatabase), errors.Is(err, storage.ErrTooNew):
		fmt.Fprintln(stderr, "inferbench:", indentRest(err.Error()))
		return ExitUsage
	default:
		fmt.Fprintln(stderr, "inferbench:", indentRest(err.Error()))
		return ExitFailure
	}
}

func indentRest(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }

func runVersion(_ context.Context, _ app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, stderr, helpText{
		synopsis:    "version",
		description: "Prints the version of this inferbench binary.",
		examples:    []string{"version"},
		exits:       []exitMeaning{exitDone("printed"), {ExitUsage, "bad flags"}},
	})
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	fmt.Fprintln(stdout, "inferbench", Version)
	return nil
}
