// Package cli is the inferbench command line: Main, the command table and the commands that set
// up and check the environment. The others live in measure, read and advise; what they all share
// is in command, which maps every error to an exit code in one place.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/advise"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/measure"
	"github.com/inferbench/inferbench/app/cli/read"
)

// Version is the inferbench version, set at build time with -ldflags "-X ...app/cli.Version=...".
var Version = "0.1.0-dev"

// subcommand is one inferbench command: its name, its line in the usage, and what runs it.
type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error
}

func commands() []subcommand {
	return []subcommand{
		{"run", "measure one configuration and store it", measure.Run},
		{"sweep", "measure a grid of configurations, resumably", measure.Sweep},
		{"agent", "benchmark in the background while idle, on AC and cool", measure.Agent},
		{"status", "show what the agent is doing and why", measure.Status},
		{"runs", "list stored runs", read.Runs},
		{"export", "export stored runs as csv, json, jsonl, md or parquet", read.Export},
		{"compare", "compare a baseline's runs with a candidate's, with intervals", read.Compare},
		{"import", "add the runs of other databases, without duplicates", read.Import},
		{"fit", "fit and validate models of speed and memory to the runs", advise.Fit},
		{"predict", "predict a configuration's speed and memory", advise.Predict},
		{"recommend", "rank the fastest configurations that fit a budget", advise.Recommend},
		{"charts", "draw the runs and predictions as PNG and SVG", advise.Charts},
		{"report", "write an analysis of the runs as one HTML page and its Markdown twin", advise.Report},
		{"models", "list the model catalog and precisions", read.Models},
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
			code = command.ExitInternal
		}
	}()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return command.ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return command.ExitCode(c.run(ctx, env, args[1:], stdout, stderr), stderr)
		}
	}
	fmt.Fprintf(stderr, "inferbench: unknown command %q\n\n", args[0])
	usage(stderr)
	return command.ExitUsage
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

func runVersion(_ context.Context, _ app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis:    "version",
		Description: "Prints the version of this inferbench binary.",
		Examples:    []string{"version"},
		Exits:       []command.ExitMeaning{command.Done("printed"), {Code: command.ExitUsage, Meaning: "bad flags"}},
	})
	if err := fs.Parse(args); err != nil {
		return command.UsageError(err)
	}
	fmt.Fprintln(stdout, "inferbench", Version)
	return nil
}
