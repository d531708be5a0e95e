package advise

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/charts"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

func Report(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		db   command.DBOptions
		draw drawOptions
	)
	draw.addFlags(fs, "`folder` to write report.html, report.md and the charts to (required)",
		"memory `budget`, e.g. 16GiB (default: the memory of the machine the runs were measured on)")
	db.AddFlags(fs, env)
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "report --out DIR [flags]",
		Description: `Writes an analysis of the stored runs as DIR/report.html, one self-contained page that any
browser opens, and DIR/report.md, its Markdown twin, with the charts in DIR/charts: the
recommendations, the fit's out-of-sample accuracy and warnings, each factor's share of the
variance in decode latency, time to first token and peak memory, scaling exponents with
95% intervals, correlations, the out-of-memory map, and every chart.`,
		Examples: []string{"report --out report/"},
		Exits:    []command.ExitMeaning{command.Done("written"), {Code: command.ExitFailure, Meaning: "too little data, or a file could not be written"}, command.BadInput},
	})
	if err := fs.Parse(args); err != nil {
		return command.UsageError(err)
	}
	if err := noArgs("report", fs.Args()); err != nil {
		return err
	}
	budget, err := draw.check("the report")
	if err != nil {
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
	r, err := buildReport(ctx, store, cat, budget, draw.thresholdMs, filepath.Join(draw.out, "charts"))
	if err != nil {
		return err
	}
	if r.fitErr != nil {
		fmt.Fprintf(stderr, "inferbench: no fit, so no predictions in the report: %s\n", command.IndentRest(r.fitErr.Error()))
	}
	for _, page := range []struct {
		name  string
		write func(io.Writer) error
	}{{"report.html", r.writeHTML}, {"report.md", r.writeMarkdown}} {
		path := filepath.Join(draw.out, page.name)
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
		if err := page.write(f); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Fprintln(stdout, path)
	}
	return nil
}

// analysis is what the report's pages show.
type analysis struct {
	dbPath      string
	runs        []storage.Run
	obs         []advisor.Observation
	f           *advice.Fitted // nil without a fit
	fitErr      error
	budget      int64
	budgetWhose string
	thresholdMs float64
	recs        []advisor.Recommendation
	recContext  int
	bounds      []advisor.Boundary
	shares      []advisor.Share
	exponents   []advisor.Exponent
	corr        [][]float64
	charts      []string // PNG paths
	chartDir    string
}

func buildReport(ctx context.Context, store *storage.DB, cat *engine.Catalog, budget int64, thresholdMs float64, chartDir string) (*analysis, error) {
	r := &analysis{dbPath: store.Path(), thresholdMs: thresholdMs, budget: budget, budgetWhose: "given", chartDir: chartDir}
	var err error
	if r.runs, err = store.Runs(ctx, storage.RunFilter{}); err != nil {
		return nil, err
	}
	if r.budget == 0 {
		if r.budget, err = advice.MeasuredMemory(ctx, store, r.runs); err != nil {
			return nil, err
		}
		r.budgetWhose = "the measured machine's"
	}
	m, err := advice.ThisMachine(ctx, store)
	if err != nil {
		return nil, err
	}
	r.obs, _ = advice.Observations(r.runs, cat, m, advice.Include{})
	r.shares, r.exponents, r.corr = advisor.VarianceShares(r.obs), advisor.ScalingExponents(r.obs), advisor.Correlations(r.obs)
	opt := charts.Options{MemoryBudgetBytes: r.budget, ThresholdMs: thresholdMs, MemoryBudgetSource: r.budgetWhose}
	paths, fitErr, err := advice.RenderCharts(ctx, store, cat, opt, chartDir)
	if err != nil && !errors.Is(err, charts.ErrNoData) {
		return nil, err
	}
	for _, p := range paths {
		if filepath.Ext(p) == ".png" {
			r.charts = append(r.charts, p)
		}
	}
	if len(r.runs) > 0 && fitErr == nil {
		r.f, r.fitErr = advice.CurrentFit(ctx, store, cat, thresholdMs, false)
	} else {
		r.fitErr = fitErr
		if len(r.runs) == 0 {
			r.fitErr = fmt.Errorf("%s holds no runs yet: measure some with inferbench sweep", store.Path())
		}
	}
	if r.f != nil {
		if err := r.recommend(cat); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// recommend ranks the fitted models and precisions at the measured batch sizes and the
// context measured most often, and finds each one's out-of-memory boundary.
func (r *analysis) recommend(cat *engine.Catalog) error {
	count := map[int]int{}
	var batches []int
	generate := 32
	for _, o := range r.obs {
		count[o.Context]++
		if !slices.Contains(batches, max(o.Batch, 1)) {
			batches = append(batches, max(o.Batch, 1))
		}
		generate = o.Generate
	}
	slices.Sort(batches)
	for c, n := range count {
		if n > count[r.recContext] || n == count[r.recContext] && c > r.recContext {
			r.recContext = c
		}
	}
	sh := advice.NewShapes(cat)
	cands, _, err := r.f.Candidates(cat, sh, r.f.Fit.Models, r.f.Fit.Precisions, r.recContext, generate, batches)
	if err != nil {
		return err
	}
	// The report describes the machine the runs were measured on, wherever it is read: a run of
	// the configuration there is a measurement, not only one made on this machine. Its successful
	// runs count as the fit counts them (advisor.Combine), before any out-of-memory one.
	measured := append(advisor.Combine(r.obs), r.obs...)
	for i := range cands {
		if cands[i].Measured != nil {
			continue
		}
		q := cands[i].Query
		for j, o := range measured {
			if o.Model == q.Model && o.Precision == q.Precision && o.Context == q.Context && o.Generate == q.Generate && max(o.Batch, 1) == max(q.Batch, 1) {
				cands[i].Measured = &measured[j]
				break
			}
		}
	}
	r.recs = r.f.Fit.Recommend(cands, r.budget, r.thresholdMs)
	if r.budget <= 0 {
		return nil
	}
	var qs []advisor.Query
	for _, m := range r.f.Fit.Models {
		ceiling := 0
		if cm, ok := cat.Model(m); ok && cm.MaxPositions > generate {
			ceiling = cm.MaxPositions - generate
		}
		for _, o := range r.obs {
			if o.Model == m {
				ceiling = max(ceiling, o.Context)
			}
		}
		for _, p := range r.f.Fit.Precisions {
			q, err := r.f.Query(cat, sh, m, p, ceiling, generate, 1)
			if err != nil {
				continue
			}
			qs = append(qs, q)
		}
	}
	r.bounds = r.f.Fit.Boundaries(qs, r.budget, r.obs)
	return nil
}

// summary is the report's opening line.
func (r *analysis) summary() string {
	var ok, oom int
	models, precisions, backends := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, run := range r.runs {
		switch run.Status {
		case storage.StatusOK:
			ok++
		case storage.StatusOOM:
			oom++
		}
		models[run.Model], precisions[run.Precision] = true, true
		if run.Backend != "" {
			backends[run.Backend+" ("+run.Device+")"] = true
		}
	}
	return fmt.Sprintf("%s in %s: %d successful, %d out of memory; %s, %s; measured on %s.",
		countOf(len(r.runs), "run"), r.dbPath, ok, oom, countOf(len(models), "model"), countOf(len(precisions), "precision"),
		orNone(strings.Join(slices.Sorted(mapKeys(backends)), ", ")))
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "nothing yet"
	}
	return s
}
