package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/storage"
)

func runRuns(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		db            dbOptions
		format, since string
		filter        storage.RunFilter
	)
	db.addFlags(fs, env)
	fs.StringVar(&format, "format", "table", "output `format`: table, json, csv or md")
	fs.StringVar(&filter.Model, "model", "", "only runs of this `model`")
	fs.StringVar(&filter.Precision, "precision", "", "only runs at this `precision`")
	fs.StringVar(&filter.Status, "status", "", "only runs with this `status` (ok, oom, crash, timeout, error)")
	fs.StringVar(&since, "since", "", "only runs since this `time` (RFC 3339 or YYYY-MM-DD)")
	fs.IntVar(&filter.Limit, "limit", 50, "at most this many `runs`, newest first (0: all)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: inferbench runs [flags]\n\nLists stored runs, newest first.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if err := report.CheckFormat(format); err != nil {
		return usageError(err)
	}
	if since != "" {
		t, err := parseSince(since)
		if err != nil {
			return err
		}
		filter.Since = t
	}
	store, err := db.openReadOnly(ctx, env)
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
		fmt.Fprintf(stdout, "No runs in %s yet: try `inferbench run`.\n", store.Path())
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWHEN\tMODEL\tPRECISION\tCTX\tGEN\tBATCH\tSTATUS\tTTFT MS\tMS/TOKEN\tTOKENS/S\tPEAK MEM")
	num := func(p *float64, f string) string {
		if p == nil {
			return "–"
		}
		return fmt.Sprintf(f, *p)
	}
	for _, r := range runs {
		peak := "–"
		if r.PeakMemoryBytes != nil {
			peak = report.HumanBytes(*r.PeakMemoryBytes)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.CreatedAt.Local().Format("2006-01-02 15:04"),
			r.Model, r.Precision, r.Context, r.Generate, r.Batch, r.Status,
			num(r.TTFTMs, "%.1f"), num(r.DecodeMsPerToken, "%.2f"), num(r.DecodeTokensPerSec, "%.1f"), peak)
	}
	return tw.Flush()
}

func parseSince(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageError(fmt.Errorf("--since %q: use RFC 3339 (2026-01-02T15:04:05Z) or a date (2026-01-02)", s))
}
