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
	"github.com/inferbench/inferbench/engine/grid"
	"github.com/inferbench/inferbench/storage"
)

// recommendation is one ranked configuration as recommend prints it.
type recommendation struct {
	Rank int `json:"rank"`
	advisor.Recommendation
	RunID int64 `json:"run_id,omitempty"` // the measurement, when Measured
}

func Recommend(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("recommend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		db                                command.DBOptions
		format, memory                    string
		models, precisions, ctxs, batches string
		maxMs, thresholdMs                float64
		generate, top                     int
	)
	fs.StringVar(&memory, "memory", "", "memory `budget`, e.g. 16GiB (default: this machine's memory)")
	fs.Float64Var(&maxMs, "max-ms-per-token", advisor.DefaultThresholdMs, "slowest acceptable decode, in `ms` per token (0: any)")
	fs.StringVar(&ctxs, "context", "1024", "prompt `tokens`; a list (512,1024) ranks each context on its own")
	fs.StringVar(&batches, "batch", "1", "batch `sizes` to consider, e.g. 1,4")
	fs.IntVar(&generate, "generate", 32, "new `tokens` per sequence")
	fs.StringVar(&models, "model", "", "`models` to consider, e.g. gpt2,gpt2-medium (default: the catalog's, without test models)")
	fs.StringVar(&precisions, "precision", "", command.PrecisionUsage("`precisions` to consider (default: those the fit has measured)"))
	fs.IntVar(&top, "top", 10, "show at most this many `configurations` per context (0: all)")
	fs.Float64Var(&thresholdMs, "threshold-ms", advisor.DefaultThresholdMs, "decode is interactive under this many `ms` per token")
	command.FormatFlag(fs, &format, command.TableOrJSON)
	db.AddFlags(fs, env)
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "recommend [flags]",
		Description: `Ranks the fastest configurations that fit the memory budget and decode within --max-ms-per-token,
each marked measured (a run on this machine decided it) or predicted, with its memory headroom and
the probability it is interactive; then, per model and precision, the largest context that fits
the budget (the out-of-memory boundary).`,
		Examples: []string{"recommend --memory 16GiB --max-ms-per-token 50 --context 1024 --batch 1,4"},
		Exits:    []command.ExitMeaning{command.Done("ranked"), {Code: command.ExitFailure, Meaning: "too little data to fit, or an operational error"}, command.BadInput},
	})
	if err := parseAdvice(fs, args, &format, &thresholdMs); err != nil {
		return err
	}
	if maxMs < 0 {
		return command.UsageError(fmt.Errorf("--max-ms-per-token must not be negative (0 for no limit), got %v", maxMs))
	}
	if generate < 1 {
		return command.UsageError(fmt.Errorf("--generate must be at least 1, got %d", generate))
	}
	if top < 0 {
		return command.UsageError(fmt.Errorf("--top must not be negative (0 for all), got %d", top))
	}
	contextList, err := grid.ParseIntList(ctxs)
	if err != nil {
		return command.UsageError(fmt.Errorf("--context: %w", err))
	}
	batchList, err := grid.ParseIntList(batches)
	if err != nil {
		return command.UsageError(fmt.Errorf("--batch: %w", err))
	}
	for _, v := range append(slices.Clone(contextList), batchList...) {
		if v < 1 {
			return command.UsageError(fmt.Errorf("--context and --batch must be at least 1, got %d", v))
		}
	}
	budget, err := parseMemory(memory)
	if err != nil {
		return err
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return err
	}
	modelList := cat.ModelNames(false)
	if models != "" {
		if modelList, err = grid.ParseStringList(models); err != nil {
			return command.UsageError(fmt.Errorf("--model: %w", err))
		}
		for _, m := range modelList {
			if _, ok := cat.Model(m); !ok {
				return command.UsageError(fmt.Errorf("--model %q: recommend considers catalog models; choose from %s", m, strings.Join(cat.ModelNames(true), ", ")))
			}
		}
	}
	var precisionList []string
	if precisions != "" {
		if precisionList, err = grid.ParseStringList(precisions); err != nil {
			return command.UsageError(fmt.Errorf("--precision: %w", err))
		}
		for _, p := range precisionList {
			if _, err := cat.Precision(p); err != nil {
				return command.UsageError(err)
			}
		}
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
	if budget == 0 {
		budget = f.Machine.MemoryBytes
	}
	if precisionList == nil {
		// Predictions at a precision never measured extrapolate far (quantized kernels
		// behave unlike float ones), so by default only measured ones are ranked.
		for _, p := range cat.PrecisionNames() {
			if slices.Contains(f.Fit.Precisions, p) {
				precisionList = append(precisionList, p)
			}
		}
		if precisionList == nil {
			precisionList = f.Fit.Precisions
		}
	}

	sh := advice.NewShapes(cat)
	var (
		ranked   []recommendation
		byCtx    = map[int][]advisor.Recommendation{}
		beyond   []string // models skipped for want of positions
		fastest  *advisor.Prediction
		fastestQ advisor.Query
	)
	for _, c := range contextList {
		cands, skipped, err := f.Candidates(cat, sh, modelList, precisionList, c, generate, batchList)
		if err != nil {
			return err
		}
		beyond = append(beyond, skipped...)
		for _, cand := range cands {
			if pr := f.Fit.Predict(cand.Query); fastest == nil || pr.DecodeMsPerToken < fastest.DecodeMsPerToken {
				fastest, fastestQ = &pr, cand.Query
			}
		}
		recs := f.Fit.Recommend(cands, budget, maxMs)
		byCtx[c] = recs
		for i, r := range recs {
			if top > 0 && i >= top {
				break
			}
			rr := recommendation{Rank: i + 1, Recommendation: r}
			if r.Measured {
				rr.RunID = f.Measured(r.Model, r.Precision, r.Context, r.Generate, r.Batch).ID
			}
			ranked = append(ranked, rr)
		}
	}

	var bounds []advisor.Boundary
	if budget > 0 {
		var qs []advisor.Query
		for _, m := range modelList {
			cm, _ := cat.Model(m)
			ceiling := cm.MaxPositions - generate
			if cm.MaxPositions <= 0 || ceiling < 1 {
				continue
			}
			for _, p := range precisionList {
				q, err := f.Query(cat, sh, m, p, ceiling, generate, 1)
				if err != nil {
					return err
				}
				qs = append(qs, q)
			}
		}
		var here []storage.Run
		for _, r := range f.Runs {
			if r.MachineID == f.Machine.ID {
				here = append(here, r)
			}
		}
		obs, _ := advice.Observations(here, cat, f.Machine, advice.Include{})
		bounds = f.Fit.Boundaries(qs, budget, obs)
	}

	if format == "json" {
		out := struct {
			FitID           int64              `json:"fit_id"`
			MemoryBudget    int64              `json:"memory_budget_bytes"`
			MaxMsPerToken   float64            `json:"max_ms_per_token"`
			Recommendations []recommendation   `json:"recommendations"`
			Boundaries      []advisor.Boundary `json:"oom_boundaries"`
		}{f.Record.ID, budget, maxMs, ranked, bounds}
		if out.Recommendations == nil {
			out.Recommendations = []recommendation{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}

	budgetText := "unknown (pass --memory to limit it)"
	if budget > 0 {
		budgetText = report.HumanBytes(budget) + " (this machine's)"
		if memory != "" {
			budgetText = fmt.Sprintf("%s (%s)", memory, report.HumanBytes(budget))
		}
	}
	limit := "any speed"
	if maxMs > 0 {
		limit = "decode within " + fmtNum(maxMs) + " ms/token"
	}
	fmt.Fprintf(stdout, "Fastest configurations for memory %s and %s, generating %d tokens.\nFrom %s.\n",
		budgetText, limit, generate, fitSummary(f))
	if len(beyond) > 0 {
		fmt.Fprintf(stdout, "Skipped, beyond the model's positions: %s.\n", strings.Join(beyond, "; "))
	}
	if len(ranked) == 0 {
		fmt.Fprintln(stdout, "\nNothing is feasible.")
		if fastest != nil {
			fmt.Fprintf(stdout, "The fastest candidate, %s %s at context %d, batch %d, is predicted at %s ms/token with a peak of %s.\n",
				fastestQ.Model, fastestQ.Precision, fastestQ.Context, fastestQ.Batch, fmtMs(fastest.DecodeMsPerToken), report.HumanBytes(fastest.PeakMemoryBytes))
			fmt.Fprintln(stdout, "Raise --max-ms-per-token or --memory, or shorten --context.")
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "\nRANK\tMODEL\tPRECISION\tBATCH\tCONTEXT\tMS/TOKEN\tTOKENS/S\tPEAK MEM\tHEADROOM\tP(INTERACTIVE)\tSOURCE")
		for _, r := range ranked {
			source, headroom := "predicted", "–"
			if r.Measured {
				source = fmt.Sprintf("measured (run %d)", r.RunID)
			}
			if budget > 0 {
				headroom = report.HumanBytes(r.HeadroomBytes)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%.1f\t%s\t%s\t%.2f\t%s\n", r.Rank, r.Model, r.Precision, r.Batch, r.Context,
				fmtMs(r.MsPerToken), r.TokensPerSec, report.HumanBytes(r.PeakMemoryBytes), headroom, r.PInteractive, source)
		}
		tw.Flush()
		for _, c := range contextList {
			if n := len(byCtx[c]); top > 0 && n > top {
				fmt.Fprintf(stdout, "Context %d: %d more feasible; --top 0 shows all.\n", c, n-top)
			}
		}
	}

	if budget <= 0 {
		fmt.Fprintln(stdout, "\nThe out-of-memory boundary needs a memory budget: pass --memory.")
		return nil
	}
	fmt.Fprintf(stdout, "\nLargest context that fits %s (batch 1, generating %d):\n", report.HumanBytes(budget), generate)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tPRECISION\tMAX CONTEXT\tSOURCE")
	for _, b := range bounds {
		maxCtx, source := fmt.Sprint(b.MaxContext), "predicted"
		if b.MaxContext == 0 {
			maxCtx = "none fits"
		}
		if cm, ok := cat.Model(b.Model); ok && b.MaxContext+generate >= cm.MaxPositions {
			maxCtx += " (all positions)"
		}
		if b.Measured {
			source = "measured"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", b.Model, b.Precision, maxCtx, source)
	}
	return tw.Flush()
}
