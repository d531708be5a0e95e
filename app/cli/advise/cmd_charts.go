package advise

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/charts"
	"github.com/inferbench/inferbench/engine"
)

func Charts(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("charts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		db   command.DBOptions
		draw drawOptions
	)
	draw.addFlags(fs, "`folder` to write the charts to (required)",
		"memory `budget` to draw, e.g. 16GiB (default: the memory of the machine the runs were measured on)")
	db.AddFlags(fs, env)
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "charts --out DIR [flags]",
		Description: `Draws the stored runs as PNG and SVG: decode latency vs context per model and precision, tokens/s
vs batch, peak memory vs context with the memory budget of the machine the runs were measured on and
the out-of-memory points, a feasibility map whose colours change at the latency threshold, and
predicted vs measured for runs predicted by models fitted without them (cross-validated). Pairs of
model and precision never measured together are filled in from the fit, as hollow glyphs. A chart
without data says why in its body. inferbench report adds the analysis around them.`,
		Examples: []string{"charts --out charts/"},
		Exits:    []command.ExitMeaning{command.Done("drawn"), {Code: command.ExitFailure, Meaning: "too little data, or a file could not be written"}, command.BadInput},
	})
	if err := fs.Parse(args); err != nil {
		return command.UsageError(err)
	}
	if err := noArgs("charts", fs.Args()); err != nil {
		return err
	}
	budget, err := draw.check("the charts")
	if err != nil {
		return err
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return err
	}
	store, err := db.OpenReadOnly(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	opt := charts.Options{MemoryBudgetBytes: budget, ThresholdMs: draw.thresholdMs, MemoryBudgetSource: "the given"}
	paths, fitErr, err := advice.RenderCharts(ctx, store, cat, opt, draw.out)
	if fitErr != nil {
		fmt.Fprintf(stderr, "inferbench: drawing measurements only; no fit: %s\n", command.IndentRest(fitErr.Error()))
	}
	if errors.Is(err, charts.ErrNoData) {
		fmt.Fprintf(stderr, "inferbench: %s has no successful or out-of-memory runs yet: each chart says so; measure some with inferbench sweep\n", store.Path())
		err = nil
	}
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return nil
}
