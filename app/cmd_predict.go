package app

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
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

func runPredict(ctx context.Context, env Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg         engine.Config
		db, format  string
		thresholdMs float64
	)
	fs.StringVar(&cfg.Model, "model", "gpt2", "catalog `name` or checkpoint folder")
	fs.StringVar(&cfg.Precision, "precision", "fp16", "weight `precision` (see inferbench models)")
	fs.IntVar(&cfg.Context, "context", 128, "prompt `tokens` per sequence")
	fs.IntVar(&cfg.Generate, "generate", 32, "new `tokens` per sequence, the first one included")
	fs.IntVar(&cfg.Batch, "batch", 1, "`sequences` decoded together")
	fs.Float64Var(&thresholdMs, "threshold-ms", 200, "decode is interactive under this many `ms` per token")
	fs.StringVar(&format, "format", "table", "output `format`: table or json")
	fs.StringVar(&db, "db", "", "SQLite `file` (default: INFERBENCH_DB, then the platform default)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: inferbench predict [flags]

Predicts a configuration from the stored fit (refitting first when new runs have landed): decode
ms/token, time to first token and peak memory, each with a 95% prediction interval, and the
probability that decode is interactive. When the configuration was measured on this machine,
the measurement is shown beside the prediction.

Example:
  inferbench predict --model gpt2-medium --precision fp16 --context 512 --batch 4

Flags:
`)
		fs.PrintDefaults()
	}
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
		return usageError(fmt.Errorf("--model %s: a prediction needs the model's architecture; pass its checkpoint folder or a catalog name", cfg.Model))
	}
	store, err := storage.Open(ctx, env.dbPath(db))
	if err != nil {
		return err
	}
	defer store.Close()
	f, err := currentFit(ctx, store, cat, thresholdMs, false)
	if err != nil {
		return err
	}
	warnFit(stderr, f)
	q, err := f.query(cat, newShapes(cat), ref.Arg, cfg.Precision, cfg.Context, cfg.Generate, cfg.Batch)
	if err != nil {
		return err
	}
	pr := f.fit.Predict(q)
	run := f.measured(q.Model, q.Precision, q.Context, q.Generate, q.Batch)
	if format == "json" {
		out := struct {
			FitID int64 `json:"fit_id"`
			advisor.Query
			advisor.Prediction
			TokensPerSec float64       `json:"tokens_per_sec"`
			Extrapolated bool          `json:"precision_not_measured"`
			Measured     *measuredJSON `json:"measured"`
		}{f.record.ID, q, pr, tokensPerSec(q.Batch, pr.DecodeMsPerToken), !slices.Contains(f.fit.Precisions, q.Precision), measuredOf(run)}
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

func tokensPerSec(batch int, msPerToken float64) float64 {
	if msPerToken <= 0 {
		return 0
	}
	return float64(max(batch, 1)) * 1000 / msPerToken
}

func writePrediction(w io.Writer, f *fitted, q advisor.Query, pr advisor.Prediction, run *storage.Run) {
	fmt.Fprintf(w, "%s, %s, context %d, generate %d, batch %d\n", q.Model, q.Precision, q.Context, q.Generate, q.Batch)
	fmt.Fprintf(w, "Predicted by %s.\n", fitSummary(f))
	if !slices.Contains(f.fit.Precisions, q.Precision) {
		fmt.Fprintf(w, "No run at %s was fitted (only %s): this prediction extrapolates; measure it to be sure.\n",
			q.Precision, strings.Join(f.fit.Precisions, ", "))
	}
	measuredHead := "MEASURED"
	if run != nil {
		measuredHead = fmt.Sprintf("MEASURED (RUN %d)", run.ID)
		if run.MemoryLimitBytes > 0 {
			measuredHead = fmt.Sprintf("MEASURED (RUN %d, %s LIMIT)", run.ID, humanBytes(run.MemoryLimitBytes))
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
		tps = fmt.Sprintf("%.1f", tokensPerSec(q.Batch, *d))
	}
	fmt.Fprintf(tw, "decode tokens/s (batch)\t%.1f\t%.1f – %.1f\t%s\n", tokensPerSec(q.Batch, pr.DecodeMsPerToken),
		tokensPerSec(q.Batch, pr.DecodeHigh), tokensPerSec(q.Batch, pr.DecodeLow), tps)
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
		peak = humanBytes(*run.PeakMemoryBytes)
	}
	fmt.Fprintf(tw, "peak memory\t%s\t%s – %s\t%s\n", humanBytes(pr.PeakMemoryBytes), humanBytes(pr.PeakLow), humanBytes(pr.PeakHigh), peak)
	interactive := "–"
	if d := measuredDecode(run); d != nil && !oom {
		interactive = "no"
		if *d < f.fit.ThresholdMs {
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
