package advise

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

func Predict(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg         engine.Config
		db          command.DBOptions
		format      string
		thresholdMs float64
	)
	fs.StringVar(&cfg.Model, "model", "gpt2", "catalog `name` or checkpoint folder")
	fs.StringVar(&cfg.Precision, "precision", "fp16", command.PrecisionUsage("weight `precision`"))
	fs.IntVar(&cfg.Context, "context", 128, "prompt `tokens` per sequence")
	fs.IntVar(&cfg.Generate, "generate", 32, "new `tokens` per sequence, the first one included")
	fs.IntVar(&cfg.Batch, "batch", 1, "`sequences` decoded together")
	fs.Float64Var(&thresholdMs, "threshold-ms", advisor.DefaultThresholdMs, "decode is interactive under this many `ms` per token")
	command.FormatFlag(fs, &format, command.TableOrJSON)
	db.AddFlags(fs, env)
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "predict [flags]",
		Description: `Predicts a configuration from the stored fit (refitting first when new runs have landed): decode
ms/token, time to first token and peak memory, each with a 95% prediction interval, and the
probability that decode is interactive. When the configuration was measured on this machine,
the measurement is shown beside the prediction.`,
		Examples: []string{"predict --model gpt2-medium --precision fp16 --context 512 --batch 4"},
		Exits:    []command.ExitMeaning{command.Done("predicted"), {Code: command.ExitFailure, Meaning: "too little data to fit, or an operational error"}, command.BadInput},
	})
	if err := parseAdvice(fs, args, &format, &thresholdMs); err != nil {
		return err
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return err
	}
	// The same checks as run: a configuration that cannot be measured cannot be predicted.
	ref, err := cfg.Defaults().Validate(cat)
	if err != nil {
		return err
	}
	if ref.Source == "hf" {
		return command.UsageError(fmt.Errorf("--model %s: a prediction needs the model's architecture; pass its checkpoint folder or a catalog name", cfg.Model))
	}
	store, err := db.OpenReadOnly(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	f, err := advice.CurrentFit(ctx, store, cat, thresholdMs, false)
	if err != nil {
		return err
	}
	warnFit(stderr, f)
	q, err := f.Query(cat, advice.NewShapes(cat), ref.Arg, cfg.Precision, cfg.Context, cfg.Generate, cfg.Batch)
	if err != nil {
		return err
	}
	pr := f.Fit.Predict(q)
	run := f.Measured(q.Model, q.Precision, q.Context, q.Generate, q.Batch)
	if format == "json" {
		out := struct {
			FitID int64 `json:"fit_id"`
			advisor.Query
			advisor.Prediction
			TokensPerSec float64       `json:"tokens_per_sec"`
			Extrapolated bool          `json:"precision_not_measured"`
			Measured     *measuredJSON `json:"measured"`
		}{f.Record.ID, q, pr, advice.TokensPerSec(q.Batch, pr.DecodeMsPerToken), !slices.Contains(f.Fit.Precisions, q.Precision), measuredOf(run)}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	writePrediction(stdout, f, q, pr, run)
	return nil
}

// measuredJSON is a measurement as predict prints it.
type measuredJSON struct {
	RunID            int64    `json:"run_id"`
	Status           string   `json:"status"`
	DecodeMsPerToken *float64 `json:"decode_ms_per_token"`
	TTFTMs           *float64 `json:"ttft_ms"`
	PeakMemoryBytes  *int64   `json:"peak_memory_bytes"`
}

func measuredOf(r *storage.Run) *measuredJSON {
	if r == nil {
		return nil
	}
	return &measuredJSON{r.ID, r.Status, r.DecodeMsPerToken, r.TTFTMs, r.PeakMemoryBytes}
}

func writePrediction(w io.Writer, f *advice.Fitted, q advisor.Query, pr advisor.Prediction, run *storage.Run) {
	fmt.Fprintf(w, "%s, %s, context %d, generate %d, batch %d\n", q.Model, q.Precision, q.Context, q.Generate, q.Batch)
	fmt.Fprintf(w, "Predicted by %s.\n", fitSummary(f))
	if !slices.Contains(f.Fit.Precisions, q.Precision) {
		fmt.Fprintf(w, "No run at %s was fitted (only %s): this prediction extrapolates; measure it to be sure.\n",
			q.Precision, strings.Join(f.Fit.Precisions, ", "))
	}
	measuredHead := "MEASURED"
	if run != nil {
		measuredHead = fmt.Sprintf("MEASURED (RUN %d)", run.ID)
		if run.MemoryLimitBytes > 0 {
			measuredHead = fmt.Sprintf("MEASURED (RUN %d, %s LIMIT)", run.ID, report.HumanBytes(run.MemoryLimitBytes))
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\n\tPREDICTED\t95%% INTERVAL\t%s\n", measuredHead)
	ms := func(p *float64) string {
		if run == nil || p == nil {
			return "–"
		}
		return fmtMs(*p)
	}
	oom := run != nil && run.Status == storage.StatusOOM
	if oom {
		ms = func(*float64) string { return "out of memory" }
	}
	fmt.Fprintf(tw, "decode ms/token\t%s\t%s – %s\t%s\n", fmtMs(pr.DecodeMsPerToken), fmtMs(pr.DecodeLow), fmtMs(pr.DecodeHigh), ms(measuredDecode(run)))
	tps := "–"
	if d := measuredDecode(run); d != nil && !oom {
		tps = fmt.Sprintf("%.1f", advice.TokensPerSec(q.Batch, *d))
	}
	fmt.Fprintf(tw, "decode tokens/s (batch)\t%.1f\t%.1f – %.1f\t%s\n", advice.TokensPerSec(q.Batch, pr.DecodeMsPerToken),
		advice.TokensPerSec(q.Batch, pr.DecodeHigh), advice.TokensPerSec(q.Batch, pr.DecodeLow), tps)
	var ttft *float64
	if run != nil {
		ttft = run.TTFTMs
	}
	fmt.Fprintf(tw, "time to first token ms\t%s\t%s – %s\t%s\n", fmtMs(pr.TTFTMs), fmtMs(pr.TTFTLow), fmtMs(pr.TTFTHigh), ms(ttft))
	peak := "–"
	switch {
	case oom:
		peak = "out of memory"
	case run != nil && run.PeakMemoryBytes != nil:
		peak = report.HumanBytes(*run.PeakMemoryBytes)
	}
	fmt.Fprintf(tw, "peak memory\t%s\t%s – %s\t%s\n", report.HumanBytes(pr.PeakMemoryBytes), report.HumanBytes(pr.PeakLow), report.HumanBytes(pr.PeakHigh), peak)
	interactive := "–"
	if d := measuredDecode(run); d != nil && !oom {
		interactive = "no"
		if *d < f.Fit.ThresholdMs {
			interactive = "yes"
		}
	}
	fmt.Fprintf(tw, "P(interactive)\t%.2f\t\t%s\n", pr.PInteractive, interactive)
	tw.Flush()
	if run == nil {
		fmt.Fprintln(w, "\nNot measured on this machine: `inferbench run` with these flags measures it.")
	}
}

func measuredDecode(r *storage.Run) *float64 {
	if r == nil {
		return nil
	}
	return r.DecodeMsPerToken
}
