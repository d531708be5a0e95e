package advise

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/engine"
)

// requiredFitKeys are the metrics fit --format json always prints, null when they could not
// be measured, so that scripts need not test for their presence.
var requiredFitKeys = []string{"n_runs", "n_models", "decode_mape_cv", "decode_r2_cv", "ttft_mape_cv", "ttft_r2_cv",
	"memory_mape_cv", "memory_r2_cv", "decode_mape_leave_one_model_out", "ttft_mape_leave_one_model_out",
	"memory_mape_leave_one_model_out", "interval_coverage_90", "ttft_interval_coverage_90",
	"memory_interval_coverage_90", "interactive_accuracy_cv", "interactive_precision_cv",
	"interactive_recall_cv", "interactive_f1_cv", "interactive_auc_cv", "interactive_brier_cv"}

func Fit(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		db     command.DBOptions
		format string
		req    = advice.FitRequest{Refit: true}
	)
	fs.Float64Var(&req.ThresholdMs, "threshold-ms", advisor.DefaultThresholdMs, "decode is interactive under this many `ms` per token")
	command.FormatFlag(fs, &format, command.TableOrJSON)
	db.AddFlags(fs, env)
	fs.BoolVar(&req.IncludeHot, "include-hot", false, "also learn from runs measured under serious or critical thermal pressure")
	fs.BoolVar(&req.ExcludeUnstable, "exclude-unstable", false, "leave out runs whose repetitions stepped between two levels (stability \"level shift\"); by default the fit learns from them, at each configuration's fastest run")
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "fit [flags]",
		Description: `Fits models of decode ms/token, time to first token and peak memory, and a classifier of
"interactive", to the stored runs; validates them out of sample; stores the fit for predict,
recommend, charts and the menu-bar window; and prints how well it predicts.`,
		Examples: []string{"fit", "fit --format json"},
		Exits:    []command.ExitMeaning{command.Done("fitted"), {Code: command.ExitFailure, Meaning: "too little data or an operational error"}, command.BadInput},
	})
	if err := parseAdvice(fs, args, &format, &req.ThresholdMs); err != nil {
		return err
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return err
	}
	store, err := db.Open(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	f, err := advice.FitFor(ctx, store, cat, req)
	if err != nil {
		return err
	}
	// Warnings go to stderr as well, so that a script reading the JSON still shows them.
	warnFit(stderr, f)
	if format == "json" {
		return writeFitJSON(stdout, f)
	}
	writeFitTable(stdout, f, store.Path())
	return nil
}

func writeFitJSON(w io.Writer, f *advice.Fitted) error {
	b, err := json.Marshal(f.Fit.Metrics)
	if err != nil {
		return err
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return err
	}
	for _, k := range requiredFitKeys {
		if _, ok := out[k]; !ok {
			out[k] = nil
		}
	}
	out["class_counts"] = map[string]int{"interactive": f.Fit.Metrics.Interactive.Positive, "not_interactive": f.Fit.Metrics.Interactive.Negative}
	out["fit_id"] = f.Record.ID
	out["created_at"] = f.Record.CreatedAt
	out["max_run_id"] = f.Record.MaxRunID
	out["threshold_ms"] = f.Fit.ThresholdMs
	out["models"] = f.Fit.Models
	out["precisions"] = f.Fit.Precisions
	out["hot_runs_left_out"] = f.Left.Hot
	out["unstable_runs_left_out"] = f.Left.Unstable
	out["runs_of_unknown_models"] = f.Left.UnknownShape
	if costs := f.Fit.DecodeCosts(); costs != nil {
		out["decode_costs"] = costs
	}
	if w := f.Fit.MemoryLiveLayers(); w > 0 {
		out["memory_live_layers"] = w
	}
	if f.Fit.BandwidthEfficiency > 0 {
		out["bandwidth_efficiency"] = f.Fit.BandwidthEfficiency
	}
	if f.Fit.EffectiveBandwidthGBs > 0 {
		out["effective_bandwidth_gbs"] = f.Fit.EffectiveBandwidthGBs
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeFitTable(w io.Writer, f *advice.Fitted, dbPath string) {
	fit, m := f.Fit, &f.Fit.Metrics
	runs := countOf(m.NRuns, "run")
	if m.NConfigs > 0 && m.NConfigs < m.NRuns {
		runs += fmt.Sprintf(" (%s, each measured more than once fitted at its fastest run and its largest peak memory)", countOf(m.NConfigs, "configuration"))
	}
	fmt.Fprintf(w, "Fitted %s of %s (%s) at %s; stored as fit %d in %s.\n",
		runs, countOf(m.NModels, "model"), strings.Join(fit.Models, ", "),
		strings.Join(fit.Precisions, ", "), f.Record.ID, dbPath)
	if f.Left.Hot > 0 {
		fmt.Fprintf(w, "Left out %s measured while the machine was hot or throttled; --include-hot learns from those too.\n", countOf(f.Left.Hot, "run"))
	}
	if f.Left.Unstable > 0 {
		fmt.Fprintf(w, "Left out %s whose repetitions stepped between two levels (--exclude-unstable).\n", countOf(f.Left.Unstable, "run"))
	}
	if f.Left.UnknownShape > 0 {
		fmt.Fprintf(w, "Left out %s of models whose architecture could not be read.\n", countOf(f.Left.UnknownShape, "run"))
	}
	fmt.Fprintln(w, "\nEvery figure is out of sample: predictions for runs the model was not trained on.")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nTARGET\tMODEL\tMAPE (5-FOLD CV)\tR² (CV)\tMAPE (LEAVE ONE MODEL OUT)\tNAIVE BASELINE (CV / LOMO)\t90% INTERVAL COVERAGE")
	for _, t := range []struct {
		name, kind                   string
		mape, r2, lomo, cover, b, bl *float64
	}{
		{"decode ms/token", m.Decode.Model, m.Decode.MAPE5Fold, m.Decode.R2CV, m.Decode.MAPELOMO, m.Decode.Coverage90, m.Decode.Baseline().MAPE5Fold, m.Decode.Baseline().MAPELOMO},
		{"time to first token", m.TTFT.Model, m.TTFT.MAPE5Fold, m.TTFT.R2CV, m.TTFT.MAPELOMO, m.TTFT.Coverage90, m.TTFT.Baseline().MAPE5Fold, m.TTFT.Baseline().MAPELOMO},
		{"peak memory", m.Memory.Model, m.Memory.MAPE5Fold, m.Memory.R2CV, m.Memory.MAPELOMO, m.Memory.Coverage90, m.Memory.Baseline().MAPE5Fold, m.Memory.Baseline().MAPELOMO},
	} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s / %s\t%s\n", t.name, t.kind, fmtPct(t.mape), fmtDec(t.r2), fmtPct(t.lomo),
			fmtPct(t.b), fmtPct(t.bl), fmtPct(t.cover))
	}
	tw.Flush()
	if m.NModels < advisor.MinModelsLOMO {
		fmt.Fprintf(w, "Leaving one model out was impossible: it needs %d models and the runs cover %d. Measure another model\n"+
			"to learn how well a model never measured is predicted.\n", advisor.MinModelsLOMO, m.NModels)
	}

	fmt.Fprintf(w, "\nInteractive (decode under %s ms/token): %s classifier; %d runs interactive, %d not.\n",
		fmtNum(fit.ThresholdMs), m.Interactive.Model, m.Interactive.Positive, m.Interactive.Negative)
	if n := m.Interactive.Positive + m.Interactive.Negative; n > 0 && m.Interactive.AccuracyCV != nil {
		majority := float64(max(m.Interactive.Positive, m.Interactive.Negative)) / float64(n)
		fmt.Fprintf(w, "  accuracy %s (always guessing the larger class: %.1f%%), precision %s, recall %s, F1 %s,\n  AUC %s, Brier score %s\n",
			fmtPct(m.Interactive.AccuracyCV), 100*majority, fmtPct(m.Interactive.PrecisionCV), fmtPct(m.Interactive.RecallCV),
			fmtDec(m.Interactive.F1CV), fmtDec(m.Interactive.AUCCV), fmtDec(m.Interactive.BrierCV))
	}
	if costs := fit.DecodeCosts(); costs != nil {
		fmt.Fprintf(w, "\nWhere decode time goes (the %s model's rates):\n", m.Decode.Model)
		for _, c := range costs {
			line := fmt.Sprintf("  %-6s %.3f ms per layer", c.Precision, c.PerLayerMs)
			switch {
			case c.Efficiency > 0:
				line += fmt.Sprintf(", weights read at %.0f%% of the nominal bandwidth", 100*c.Efficiency)
			case c.BandwidthGBs > 0:
				line += fmt.Sprintf(", weights read at %.1f GB/s", c.BandwidthGBs)
			}
			fmt.Fprintln(w, line)
		}
		if advisor.AnyBeyondNominal(costs) {
			fmt.Fprintf(w, "  %s\n", advisor.BeyondNominalNote)
		}
	} else {
		switch {
		case fit.BandwidthEfficiency > 0:
			fmt.Fprintf(w, "\nDecode reaches %.0f%% of this chip's nominal memory bandwidth (a bytes-only roofline).\n", 100*fit.BandwidthEfficiency)
		case fit.EffectiveBandwidthGBs > 0:
			fmt.Fprintf(w, "\nDecode behaves as if memory delivered %.1f GB/s (a bytes-only roofline; the chip's bandwidth is not known).\n", fit.EffectiveBandwidthGBs)
		}
	}
	if lw := fit.MemoryLiveLayers(); lw > 0 {
		fmt.Fprintf(w, "\n%s\n", advisor.LiveLayersNote(lw))
	}
	if len(m.Warnings) > 0 {
		fmt.Fprintln(w, "\nWARNINGS: do not trust this fit where these apply.")
		for _, warning := range m.Warnings {
			fmt.Fprintf(w, "  ! %s\n", warning)
		}
	}
	fmt.Fprintln(w, "\nNext: inferbench predict, inferbench recommend, inferbench charts or inferbench report.")
}
