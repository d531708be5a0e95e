package desktop

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/charts"
	"github.com/inferbench/inferbench/storage"
)

// recommendationContext is the context the Recommendations window ranks at: long enough to be a
// real conversation, short enough for every catalog model (GPT-2 has 1024 positions).
const recommendationContext = 512

// advise ranks the preferences' models and precisions at batch 1 and 4 under its memory budget
// and latency threshold, from the current fit (refitted when new runs landed). No fit yet (too
// little data) is not an error: the window says how long until there is one.
func (d *Desktop) advise(ctx context.Context, p Preferences) ([]RecommendationRow, *FitSummary, error) {
	f, err := advice.CurrentFit(ctx, d.store, d.cat, p.LatencyThresholdMs, false)
	if err != nil {
		return nil, nil, nil
	}
	sum := &FitSummary{NRuns: f.Fit.Metrics.NRuns, CreatedAt: f.Record.CreatedAt, Warnings: f.Fit.Metrics.Warnings}
	if v := f.Fit.Metrics.Decode.MAPE5Fold; v != nil {
		sum.DecodeMAPE = *v
	}
	if v := f.Fit.Metrics.Memory.MAPE5Fold; v != nil {
		sum.MemoryMAPE = *v
	}
	cands, _, err := f.Candidates(d.cat, advice.NewShapes(d.cat), p.Models, p.Precisions, recommendationContext, 32, []int{1, 4})
	if err != nil {
		return nil, sum, err
	}
	var rows []RecommendationRow
	for _, r := range f.Fit.Recommend(cands, p.MemoryBudgetBytes, p.LatencyThresholdMs) {
		rows = append(rows, RecommendationRow{Model: r.Model, Precision: r.Precision, Batch: r.Batch, Context: r.Context,
			MsPerToken: r.MsPerToken, TokensPerSec: r.TokensPerSec, PeakMemoryBytes: r.PeakMemoryBytes,
			Measured: r.Measured, PInteractive: r.PInteractive})
	}
	return rows, sum, nil
}

// chartFiles draws the charts into the cache folder and returns the PNGs for the window.
func (d *Desktop) chartFiles(ctx context.Context, p Preferences) ([]string, error) {
	dir := filepath.Join(d.env.CacheDir(), "charts")
	paths, _, err := advice.RenderCharts(ctx, d.store, d.cat, charts.Options{MemoryBudgetBytes: p.MemoryBudgetBytes, ThresholdMs: p.LatencyThresholdMs, MemoryBudgetSource: "the Preferences'"}, dir)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, nil
	case err != nil && !errors.Is(err, charts.ErrNoData):
		// Without data each chart says so, which is worth showing.
		return nil, err
	}
	var pngs []string
	for _, path := range paths {
		if filepath.Ext(path) == ".png" {
			pngs = append(pngs, path)
		}
	}
	return pngs, nil
}
