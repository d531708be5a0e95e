package read

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/charts"
	"github.com/inferbench/inferbench/compare"
	"github.com/inferbench/inferbench/engine/grid"
	"github.com/inferbench/inferbench/storage"
)

// compareFormats are the formats compare writes.
var compareFormats = []string{"md", "csv", "json"}

func Compare(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("compare", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var (
		db                       command.DBOptions
		baseArg, candArg, format string
		threshold, chartDir      string
		filter                   storage.RunFilter
		resamples                int
	)
	db.AddFlags(fset, env)
	fset.StringVar(&baseArg, "baseline", "", "the baseline's `runs`: key=value,... with keys db, mlx, mlx-lm, machine, os, since, until")
	fset.StringVar(&candArg, "candidate", "", "the candidate's `runs`, as --baseline")
	fset.StringVar(&threshold, "threshold", "5%", "flag a change when the whole interval lies this `far` past 1 (5% or 0.05)")
	fset.StringVar(&format, "format", "md", "output `format`: md, csv or json")
	fset.StringVar(&chartDir, "chart", "", "also draw the ratios with their intervals as compare.png and compare.svg in this `folder`")
	fset.StringVar(&filter.Model, "model", "", "only runs of this `model`")
	fset.StringVar(&filter.Precision, "precision", "", command.PrecisionUsage("only runs at this `precision`"))
	fset.IntVar(&resamples, "resamples", compare.DefaultResamples, "bootstrap `resamples`")
	command.SetUsage(fset, stderr, command.HelpText{
		Synopsis: "compare [flags] [BASELINE.db CANDIDATE.db]",
		Description: `Compares a baseline's runs with a candidate's, configuration by configuration: the ratio of
decode tokens/s, prefill tokens/s, peak memory and J/token, with a 95% bootstrap interval from
the stored repetitions. A change is flagged when the whole interval lies past 1 by more than
--threshold.`,
		Examples: []string{
			"compare old.db new.db",
			"compare --baseline mlx=0.31.0 --candidate mlx=0.32.4",
			"compare --baseline machine=studio --candidate machine=air --format csv",
			"compare --baseline until=2026-11-30 --candidate since=2026-12-01 --chart out/",
		},
		Exits: []command.ExitMeaning{command.Done("compared, no regression"), command.Operational, command.BadInput,
			{Code: command.ExitRegression, Meaning: "a regression was found"}},
	})
	dbs, err := command.ParseInterspersed(fset, args)
	if err != nil {
		return err
	}
	base, cand, err := compare.Sides(baseArg, candArg, dbs, db.Path(env))
	if err != nil {
		return command.UsageError(err)
	}
	if !slices.Contains(compareFormats, format) {
		return command.UsageError(fmt.Errorf("--format %q: choose one of %s", format, strings.Join(compareFormats, ", ")))
	}
	thr, err := grid.ParsePercent(threshold)
	if err != nil {
		return command.UsageError(fmt.Errorf("--threshold %q: %w", threshold, err))
	}
	if resamples < 100 {
		return command.UsageError(fmt.Errorf("--resamples %d: use at least 100 for a stable interval", resamples))
	}

	baseRuns, err := compare.LoadFile(ctx, base, filter)
	if err != nil {
		return err
	}
	candRuns, err := compare.LoadFile(ctx, cand, filter)
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
		return command.Regressions{N: n}
	}
	return nil
}

func drawRatios(rows []compare.Row, thr float64, dir string, stderr io.Writer) error {
	p, err := compare.Chart(rows, thr)
	if err != nil {
		return err
	}
	paths, err := charts.Save(p, dir, "compare")
	if err != nil {
		return command.UsageError(fmt.Errorf("--chart %s: %w", dir, err))
	}
	for _, path := range paths {
		fmt.Fprintln(stderr, "wrote", path)
	}
	return nil
}
