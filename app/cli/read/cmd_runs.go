package read

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/storage"
)

func Runs(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		db            command.DBOptions
		format, since string
		filter        storage.RunFilter
	)
	db.AddFlags(fs, env)
	command.FormatFlag(fs, &format, report.RunFormats())
	fs.StringVar(&filter.Model, "model", "", "only runs of this `model`")
	fs.StringVar(&filter.Precision, "precision", "", command.PrecisionUsage("only runs at this `precision`"))
	statusFlag(fs, &filter.Status)
	fs.StringVar(&since, "since", "", "only runs since this `time` (RFC 3339 or YYYY-MM-DD)")
	fs.IntVar(&filter.Limit, "limit", 50, "at most this many `runs`, newest first (0: all)")
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
	if err := checkStatus(filter.Status); err != nil {
		return err
	}
	if since != "" {
		t, err := parseSince(since)
		if err != nil {
			return err
		}
		filter.Since = t
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

// describeFilter says in words what a filter asked for.
func describeFilter(f storage.RunFilter) string {
	var parts []string
	for _, p := range []struct{ flag, v string }{{"model", f.Model}, {"precision", f.Precision}, {"status", f.Status}} {
		if p.v != "" {
			parts = append(parts, "--"+p.flag+" "+p.v)
		}
	}
	if !f.Since.IsZero() {
		parts = append(parts, "--since "+f.Since.Format(time.RFC3339))
	}
	return strings.Join(parts, " ")
}

func parseSince(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, command.UsageError(fmt.Errorf("--since %q: use RFC 3339 (2026-01-02T15:04:05Z) or a date (2026-01-02)", s))
}
