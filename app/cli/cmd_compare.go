package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/charts"
	"github.com/inferbench/inferbench/compare"
	"github.com/inferbench/inferbench/storage"
)

// compareFormats are the formats compare writes.
var compareFormats = []string{"md", "csv", "json"}

// regressions is a comparison that found regressions; the report was printed.
type regressions struct{ n int }

func (e regressions) Error() string { return fmt.Sprintf("%d regression(s) found", e.n) }

func runCompare(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("compare", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var (
		db                       dbOptions
		baseArg, candArg, format string
		threshold, chartDir      string
		filter                   storage.RunFilter
		resamples                int
	)
	db.addFlags(fset, env)
	fset.StringVar(&baseArg, "baseline", "", "the baseline's `runs`: key=value,... with keys db, mlx, mlx-lm, machine, os, since, until")
	fset.StringVar(&candArg, "candidate", "", "the candidate's `runs`, as --baseline")
	fset.StringVar(&threshold, "threshold", "5%", "flag a change when the whole interval lies this `far` past 1 (5% or 0.05)")
	fset.StringVar(&format, "format", "md", "output `format`: md, csv or json")
	fset.StringVar(&chartDir, "chart", "", "also draw the ratios with their intervals as compare.png and compare.svg in this `folder`")
	fset.StringVar(&filter.Model, "model", "", "only runs of this `model`")
	fset.StringVar(&filter.Precision, "precision", "", "only runs at this `precision`")
	fset.IntVar(&resamples, "resamples", compare.DefaultResamples, "bootstrap `resamples`")
	fset.Usage = func() {
		fmt.Fprint(stderr, `Usage: inferbench compare [flags] [BASELINE.db CANDIDATE.db]

Compares a baseline's runs with a candidate's, configuration by configuration: the ratio of
decode tokens/s, prefill tokens/s, peak memory and J/token, with a 95% bootstrap interval from
the stored repetitions. A change is flagged when the whole interval lies past 1 by more than
--threshold. Exit status 3 when a regression was found.

  inferbench compare old.db new.db
  inferbench compare --baseline mlx=0.31.0 --candidate mlx=0.32.4
  inferbench compare --baseline machine=studio --candidate machine=air --format csv
  inferbench compare --baseline until=2026-11-30 --candidate since=2026-12-01 --chart out/

Flags:
`)
		fset.PrintDefaults()
	}
	// Flags may follow the two databases.
	var dbs []string
	for {
		if err := fset.Parse(args); err != nil {
			return usageError(err)
		}
		if fset.NArg() == 0 {
			break
		}
		dbs, args = append(dbs, fset.Arg(0)), fset.Args()[1:]
	}
	base, err := compare.ParseSelector(baseArg)
	if err != nil {
		return usageError(fmt.Errorf("--baseline: %w", err))
	}
	cand, err := compare.ParseSelector(candArg)
	if err != nil {
		return usageError(fmt.Errorf("--candidate: %w", err))
	}
	switch len(dbs) {
	case 0:
	case 2:
		if base.DB != "" || cand.DB != "" {
			return usageError(fmt.Errorf("give the two databases as arguments or as db= in --baseline and --candidate, not both"))
		}
		base.DB, cand.DB = dbs[0], dbs[1]
	default:
		return usageError(fmt.Errorf("compare takes two databases (baseline, candidate) or none, not %d arguments", len(dbs)))
	}
	if base.DB == "" {
		base.DB = db.path(env)
	}
	if cand.DB == "" {
		cand.DB = db.path(env)
	}
	if base == cand {
		return usageError(fmt.Errorf("the baseline and the candidate select the same runs (%s): tell them apart with --baseline and --candidate, e.g. --baseline mlx=0.31.0 --candidate mlx=0.32.4", base))
	}
	if !slices.Contains(compareFormats, format) {
		return usageError(fmt.Errorf("--format %q: choose one of %s", format, strings.Join(compareFormats, ", ")))
	}
	thr, err := parseShare(threshold)
	if err != nil {
		return usageError(fmt.Errorf("--threshold %q: %w", threshold, err))
	}
	if resamples < 100 {
		return usageError(fmt.Errorf("--resamples %d: use at least 100 for a stable interval", resamples))
	}

	baseRuns, err := loadSide(ctx, base, filter)
	if err != nil {
		return err
	}
	candRuns, err := loadSide(ctx, cand, filter)
	if err != nil {
		return err
	}
	rows := compare.Compare(baseRuns, candRuns, compare.Options{Threshold: thr, Resamples: resamples})
	if len(rows) == 0 {
		return fmt.Errorf("no configuration was measured by both the baseline (%s: %d ok runs) and the candidate (%s: %d ok runs); a configuration is matched by model, precision, weights, context, generate and batch",
			base, len(baseRuns), cand, len(candRuns))
	}
	if format == "md" {
		fmt.Fprintf(stdout, "Baseline: %s (%d runs)\nCandidate: %s (%d runs)\nThreshold: %g%%\n\n", base, len(baseRuns), cand, len(candRuns), 100*thr)
	}
	if err := report.WriteRows(stdout, format, report.CompareColumns(), rows, report.RowOptions{Array: true}); err != nil {
		return fmt.Errorf("write the comparison: %w", err)
	}
	if chartDir != "" {
		if err := drawRatios(rows, thr, chartDir, stderr); err != nil {
			return err
		}
	}
	if n := compare.Regressions(rows); n > 0 {
		fmt.Fprintf(stderr, "inferbench: %d regression(s): the candidate is worse beyond the %g%% threshold\n", n, 100*thr)
		return regressions{n}
	}
	return nil
}

// loadSide reads one side's runs from its own copy of its database, so a file from another
// machine or an older Inferbench is never written to.
func loadSide(ctx context.Context, sel compare.Selector, f storage.RunFilter) ([]storage.Run, error) {
	snap, err := storage.OpenSnapshot(ctx, sel.DB)
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	return compare.Load(ctx, snap.DB, sel, f)
}

func drawRatios(rows []compare.Row, thr float64, dir string, stderr io.Writer) error {
	var rs []charts.Ratio
	for _, r := range rows {
		cr := charts.Ratio{Label: fmt.Sprintf("%s %s c%d b%d %s", r.Model, r.Precision, r.Context, r.Batch, r.Metric),
			Ratio: r.Ratio, Low: r.Ratio, High: r.Ratio}
		if r.Low != nil {
			cr.Low, cr.High = *r.Low, *r.High
		}
		switch r.Verdict {
		case compare.Regression:
			cr.Flagged = -1
		case compare.Improvement:
			cr.Flagged = 1
		}
		rs = append(rs, cr)
	}
	p, err := charts.Ratios(rs, thr, charts.Options{})
	if err != nil {
		return err
	}
	paths, err := charts.Save(p, dir, "compare")
	if err != nil {
		return usageError(fmt.Errorf("--chart %s: %w", dir, err))
	}
	for _, path := range paths {
		fmt.Fprintln(stderr, "wrote", path)
	}
	return nil
}

// parseShare reads "5%" or "0.05".
func parseShare(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0, fmt.Errorf("want a share such as 5%% or 0.05")
	}
	if pct {
		v /= 100
	}
	if v < 0 || v >= 1 {
		return 0, fmt.Errorf("want a share between 0%% and 100%%")
	}
	return v, nil
}
