package read

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/storage"
)

func Runs(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		db     command.DBOptions
		format string
		pick   filterFlags
	)
	db.AddFlags(fs, env)
	command.FormatFlag(fs, &format, report.RunFormats())
	pick.addFlags(fs)
	fs.IntVar(&pick.filter.Limit, "limit", 50, "at most this many `runs`, newest first (0: all)")
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "runs [flags]",
		Description: `Lists stored runs, newest first. The table has the columns of a sweep's summary: prefill and
decode tokens/s (the mean over repetitions, decode with its 95% interval, marked when it comes
from one process or fewer than 3 repetitions), ms/token p50 and p95, peak memory and the status
(unstable runs marked); json, csv and md carry every column (docs/data.md).`,
		Examples: []string{"runs", "runs --status oom --since 2026-11-01", "runs --model gpt2 --format md"},
		Exits:    []command.ExitMeaning{command.Done("listed, also when nothing matches"), {Code: command.ExitFailure, Meaning: "the database cannot be read"}, {Code: command.ExitUsage, Meaning: "bad flags"}},
	})
	if err := fs.Parse(args); err != nil {
		return command.UsageError(err)
	}
	if err := command.CheckFormat(format, report.RunFormats()); err != nil {
		return err
	}
	filter, err := pick.runFilter()
	if err != nil {
		return err
	}
	store, err := db.OpenReadOnly(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	runs, err := store.Runs(ctx, filter)
	if err != nil {
		return err
	}
	if format != "table" {
		return report.WriteRuns(stdout, format, runs, true)
	}
	if len(runs) == 0 {
		if filter != (storage.RunFilter{Limit: filter.Limit}) {
			fmt.Fprintf(stdout, "No runs in %s match %s.\n", store.Path(), describeFilter(filter))
			return nil
		}
		fmt.Fprintf(stdout, "No runs in %s yet: try `inferbench run`.\n", store.Path())
		return nil
	}
	return report.WriteSummary(stdout, runs, true)
}
