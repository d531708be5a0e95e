package advise

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// synthetic is the advisor's law as stored runs; seeded is a database holding a sweep of it.
type synthetic = apptest.Synthetic

func seeded(t *testing.T) (app.Env, string, *synthetic, int) { return apptest.Seeded(t) }

func latestFit(t *testing.T, s *synthetic, threshold float64) *storage.FitRecord {
	t.Helper()
	rec, err := s.DB.LatestFit(context.Background(), threshold)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func decodeJSON(t *testing.T, r clitest.Result, v any) {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	if err := json.Unmarshal([]byte(r.Stdout), v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.Stdout)
	}
}

func TestFitJSONHasMetricsAndIsStored(t *testing.T) {
	env, db, s, n := seeded(t)
	var got map[string]any
	decodeJSON(t, clitest.Run(t, env, "fit", "--format", "json", "--db", db), &got)
	for _, k := range []string{"n_runs", "decode_mape_cv", "decode_r2_cv", "ttft_mape_cv", "memory_mape_cv",
		"decode_mape_leave_one_model_out", "interactive_accuracy_cv", "interactive_f1_cv"} {
		v, ok := got[k].(float64)
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s = %v, want a finite number", k, got[k])
		}
	}
	if got["n_runs"] != float64(n) || got["n_models"] != 3.0 {
		t.Errorf("n_runs = %v, n_models = %v, want %d and 3", got["n_runs"], got["n_models"], n)
	}
	if mape := got["decode_mape_cv"].(float64); mape > 0.1 {
		t.Errorf("decode MAPE %.3f on a noiseless-but-3%% law, want under 10%%", mape)
	}
	for _, k := range []string{"ttft_mape_leave_one_model_out", "memory_mape_leave_one_model_out", "interval_coverage_90"} {
		if v, ok := got[k].(float64); !ok || v <= 0 || v > 1.5 {
			t.Errorf("%s = %v, want a fraction", k, got[k])
		}
	}
	if w, ok := got["warnings"].([]any); !ok {
		t.Errorf("warnings = %v, want a list", got["warnings"])
	} else if len(w) != 0 {
		t.Errorf("warnings on a sweep that follows a law: %v", w)
	}
	counts, _ := got["class_counts"].(map[string]any)
	pos, neg := counts["interactive"], counts["not_interactive"]
	if pos != got["interactive_positive"] || neg != got["interactive_negative"] || pos.(float64)+neg.(float64) != float64(n) {
		t.Errorf("class_counts %v, interactive_positive %v, interactive_negative %v, n %d", counts, got["interactive_positive"], got["interactive_negative"], n)
	}
	// The classes follow the user's threshold: under 0.001 ms/token nothing is interactive, and
	// with one class there is no accuracy to report, which a warning says.
	var strict map[string]any
	r0 := clitest.Run(t, env, "fit", "--format", "json", "--threshold-ms", "0.001", "--db", db)
	decodeJSON(t, r0, &strict)
	if strict["interactive_positive"] != 0.0 || strict["interactive_accuracy_cv"] != nil {
		t.Errorf("threshold 0.001 ms: %v interactive, accuracy %v", strict["interactive_positive"], strict["interactive_accuracy_cv"])
	}
	clitest.MustContain(t, "stderr", r0.Stderr, "warning: interactive (decode under 0.001 ms/token): 0 runs are interactive")
	rec := latestFit(t, s, 200)
	if float64(rec.ID) != got["fit_id"] || rec.NRuns != n {
		t.Errorf("stored fit %+v, printed fit_id %v", rec, got["fit_id"])
	}
	var fit advisor.Fit
	if err := json.Unmarshal(rec.Model, &fit); err != nil {
		t.Fatalf("stored model: %v", err)
	}
	var m advisor.Metrics
	if err := json.Unmarshal(rec.Metrics, &m); err != nil || m.NRuns != n {
		t.Fatalf("stored metrics: %v, %+v", err, m)
	}

	r := clitest.Run(t, env, "fit", "--db", db)
	if r.Code != 0 {
		t.Fatalf("table: exit %d: %s", r.Code, r.Stderr)
	}
	clitest.MustContain(t, "fit table", r.Stdout, "decode ms/token", "time to first token", "peak memory",
		"LEAVE ONE MODEL OUT", "runs interactive", "F1", "Fitted 30 runs of 3 models")
	if latestFit(t, s, 200).ID == rec.ID {
		t.Error("fit did not store a new fit")
	}
}

func TestPredictRefitsOnlyWhenRunsLand(t *testing.T) {
	env, db, s, _ := seeded(t)
	args := []string{"predict", "--model", "gpt2-medium", "--precision", "fp16", "--context", "300", "--db", db, "--format", "json"}
	var first, second map[string]any
	decodeJSON(t, clitest.Run(t, env, args...), &first)
	rec := latestFit(t, s, 200)
	decodeJSON(t, clitest.Run(t, env, args...), &second)
	if again := latestFit(t, s, 200); again.ID != rec.ID || second["fit_id"] != float64(rec.ID) {
		t.Errorf("fit %d after a second predict without new runs, want %d", again.ID, rec.ID)
	}
	s.Insert(s.Run("gpt2", "fp16", 384, 1))
	var third map[string]any
	decodeJSON(t, clitest.Run(t, env, args...), &third)
	if again := latestFit(t, s, 200); again.ID == rec.ID || third["fit_id"] != float64(again.ID) {
		t.Errorf("fit %d after a new run, want a new one", again.ID)
	}
	// Another threshold is another fit.
	decodeJSON(t, clitest.Run(t, env, append(args, "--threshold-ms", "50")...), &third)
	if latestFit(t, s, 50).ID == latestFit(t, s, 200).ID {
		t.Error("a 50 ms threshold reused the 200 ms fit")
	}
}

func TestPredictIntervalsAndMeasurement(t *testing.T) {
	env, db, _, _ := seeded(t)
	var run *storage.Run
	for _, r := range clitest.StoredRuns(t, db) {
		if r.Model == "gpt2-large" && r.Precision == "fp32" && r.Context == 128 && r.Batch == 1 {
			run = &r
		}
	}
	var got struct {
		advisor.Prediction
		Measured *struct {
			RunID            int64   `json:"run_id"`
			DecodeMsPerToken float64 `json:"decode_ms_per_token"`
			PeakMemoryBytes  int64   `json:"peak_memory_bytes"`
		} `json:"measured"`
	}
	decodeJSON(t, clitest.Run(t, env, "predict", "--model", "gpt2-large", "--precision", "fp32", "--context", "128", "--db", db, "--format", "json"), &got)
	p := got.Prediction
	if !(p.DecodeLow <= p.DecodeMsPerToken && p.DecodeMsPerToken <= p.DecodeHigh && p.DecodeLow > 0) ||
		!(p.TTFTLow <= p.TTFTMs && p.TTFTMs <= p.TTFTHigh) ||
		!(p.PeakLow <= p.PeakMemoryBytes && p.PeakMemoryBytes <= p.PeakHigh) ||
		p.PInteractive < 0 || p.PInteractive > 1 {
		t.Errorf("prediction %+v: intervals do not hold their points", p)
	}
	if got.Measured == nil || got.Measured.RunID != run.ID || got.Measured.DecodeMsPerToken != *run.DecodeMsPerToken {
		t.Fatalf("measured = %+v, want run %d at %.3f ms/token", got.Measured, run.ID, *run.DecodeMsPerToken)
	}
	if rel := math.Abs(p.DecodeMsPerToken / *run.DecodeMsPerToken - 1); rel > 0.1 {
		t.Errorf("predicted %.2f ms/token, measured %.2f", p.DecodeMsPerToken, *run.DecodeMsPerToken)
	}

	r := clitest.Run(t, env, "predict", "--model", "gpt2-large", "--precision", "fp32", "--context", "128", "--db", db)
	clitest.MustContain(t, "predict table", r.Stdout, "MEASURED (RUN", "95% INTERVAL", "decode ms/token", "P(interactive)", fmtMs(*run.DecodeMsPerToken))
	r = clitest.Run(t, env, "predict", "--model", "gpt2-xl", "--precision", "int4", "--context", "700", "--db", db)
	clitest.MustContain(t, "unmeasured predict", r.Stdout, "extrapolates", "Not measured on this machine")
}

// A configuration measured three times is shown, in predict and recommend, as the fit counts
// it: at its fastest run (that run's id and decode) and at the largest peak of the three.
func TestMeasuredRepeatsShowAsTheFitCountsThem(t *testing.T) {
	env, db, s, _ := seeded(t)
	var first storage.Run
	for _, r := range clitest.StoredRuns(t, db) {
		if r.Model == "gpt2-large" && r.Precision == "fp32" && r.Context == 128 && r.Batch == 1 {
			first = r
		}
	}
	scaled := func(decode, memory float64) *storage.Run {
		r := s.Run("gpt2-large", "fp32", 128, 1)
		d, p := *first.DecodeMsPerToken*decode, int64(float64(*first.PeakMemoryBytes)*memory)
		r.DecodeMsPerToken, r.PeakMemoryBytes = &d, &p
		s.Insert(r)
		return r
	}
	fastest := scaled(0.8, 0.95) // the fastest of the three, but not the largest peak
	scaled(1.3, 1.1)             // the newest: slower, and the largest peak
	var p struct {
		Measured *struct {
			RunID            int64   `json:"run_id"`
			DecodeMsPerToken float64 `json:"decode_ms_per_token"`
		} `json:"measured"`
	}
	decodeJSON(t, clitest.Run(t, env, "predict", "--model", "gpt2-large", "--precision", "fp32", "--context", "128", "--db", db, "--format", "json"), &p)
	if p.Measured == nil || p.Measured.RunID != fastest.ID || p.Measured.DecodeMsPerToken != *fastest.DecodeMsPerToken {
		t.Errorf("predict's measurement %+v, want the fastest run %d at %.3f ms/token", p.Measured, fastest.ID, *fastest.DecodeMsPerToken)
	}
	var rec struct {
		Recommendations []struct {
			advisor.Query   `json:"query"`
			Measured        bool    `json:"measured"`
			MsPerToken      float64 `json:"ms_per_token"`
			PeakMemoryBytes int64   `json:"peak_memory_bytes"`
		} `json:"recommendations"`
	}
	decodeJSON(t, clitest.Run(t, env, "recommend", "--db", db, "--format", "json", "--context", "128", "--batch", "1",
		"--model", "gpt2-large", "--precision", "fp32", "--memory", "64GiB", "--max-ms-per-token", "0", "--top", "0"), &rec)
	largest := int64(float64(*first.PeakMemoryBytes) * 1.1)
	if len(rec.Recommendations) != 1 || !rec.Recommendations[0].Measured ||
		math.Abs(rec.Recommendations[0].MsPerToken / *fastest.DecodeMsPerToken - 1) > 1e-9 || rec.Recommendations[0].PeakMemoryBytes != largest {
		t.Errorf("recommendations %+v, want one measured at %.3f ms/token and %d bytes", rec.Recommendations, *fastest.DecodeMsPerToken, largest)
	}
}

func TestRecommendRanksAndRespectsBudgets(t *testing.T) {
	env, db, _, _ := seeded(t)
	type out struct {
		MemoryBudget    int64 `json:"memory_budget_bytes"`
		Recommendations []struct {
			Rank            int `json:"rank"`
			advisor.Query   `json:"query"`
			Measured        bool    `json:"measured"`
			MsPerToken      float64 `json:"ms_per_token"`
			PeakMemoryBytes int64   `json:"peak_memory_bytes"`
			HeadroomBytes   int64   `json:"headroom_bytes"`
			PInteractive    float64 `json:"p_interactive"`
		} `json:"recommendations"`
		Boundaries []advisor.Boundary `json:"oom_boundaries"`
	}
	base := []string{"recommend", "--db", db, "--format", "json", "--context", "128,256", "--batch", "1,4",
		"--model", "gpt2,gpt2-medium,gpt2-large,gpt2-xl", "--top", "0"}
	var all out
	decodeJSON(t, clitest.Run(t, env, append(base, "--memory", "64GiB", "--max-ms-per-token", "0")...), &all)
	if len(all.Recommendations) != 4*2*2*2 {
		t.Fatalf("%d recommendations without limits, want every candidate (32)", len(all.Recommendations))
	}
	measured := 0
	for i, r := range all.Recommendations {
		if r.Measured {
			measured++
		}
		if i == 0 || all.Recommendations[i-1].Context != r.Context {
			if r.Rank != 1 {
				t.Errorf("first of context %d has rank %d", r.Context, r.Rank)
			}
			continue
		}
		prev := all.Recommendations[i-1]
		if r.Rank != prev.Rank+1 || r.MsPerToken < prev.MsPerToken {
			t.Errorf("rank %d (%s %s, %.2f ms) follows rank %d at %.2f ms", r.Rank, r.Model, r.Precision, r.MsPerToken, prev.Rank, prev.MsPerToken)
		}
		if r.HeadroomBytes != 64<<30-r.PeakMemoryBytes {
			t.Errorf("headroom %d for peak %d", r.HeadroomBytes, r.PeakMemoryBytes)
		}
	}
	// gpt2-xl is never measured; the others are at batch 1, and at batch 4 at context 256.
	if measured != 3*2*2+3*2 {
		t.Errorf("%d measured recommendations, want 18", measured)
	}

	// A budget and a speed limit in the middle of the range leave some, all within both.
	var mid out
	const budget = 1 << 30
	decodeJSON(t, clitest.Run(t, env, append(base, "--memory", "1GiB", "--max-ms-per-token", "100")...), &mid)
	if len(mid.Recommendations) == 0 || len(mid.Recommendations) >= len(all.Recommendations) {
		t.Fatalf("%d recommendations within 1 GiB and 100 ms, want some but not all", len(mid.Recommendations))
	}
	for _, r := range mid.Recommendations {
		if r.PeakMemoryBytes > budget || r.MsPerToken > 100 {
			t.Errorf("%s %s batch %d context %d: %.1f ms, %d bytes is beyond the limits", r.Model, r.Precision, r.Batch, r.Context, r.MsPerToken, r.PeakMemoryBytes)
		}
	}
	if mid.MemoryBudget != budget || len(mid.Boundaries) != 4*2 {
		t.Errorf("budget %d, %d boundaries, want %d and 8", mid.MemoryBudget, len(mid.Boundaries), budget)
	}
	for _, b := range mid.Boundaries {
		if b.Model == "gpt2" && b.MaxContext < 512 {
			t.Errorf("gpt2 %s fits only %d tokens in 1 GiB", b.Precision, b.MaxContext)
		}
	}

	r := clitest.Run(t, env, "recommend", "--db", db, "--memory", "16GiB", "--context", "256")
	clitest.MustContain(t, "recommend table", r.Stdout, "RANK", "HEADROOM", "P(INTERACTIVE)", "measured (run", "predicted",
		"Largest context that fits", "MAX CONTEXT")
	r = clitest.Run(t, env, "recommend", "--db", db, "--memory", "16GiB", "--context", "256", "--max-ms-per-token", "0.5")
	if r.Code != 0 {
		t.Fatalf("nothing feasible: exit %d: %s", r.Code, r.Stderr)
	}
	clitest.MustContain(t, "infeasible recommend", r.Stdout, "Nothing is feasible", "The fastest candidate", "ms/token")
}

func TestFitLeavesOutHotAndUnstableRuns(t *testing.T) {
	tests := []struct {
		name, key, flag, says string
		// byDefault says the runs are left out unless flag; otherwise kept unless flag.
		byDefault bool
		mark      []func(*storage.Run)
	}{
		// The last is throttled while its thermal state read nominal: its clock fell.
		{"hot", "hot_runs_left_out", "--include-hot", "Left out 4 runs measured while the machine was hot or throttled", true,
			[]func(*storage.Run){
				func(r *storage.Run) { r.ThermalWorst = "serious" }, func(r *storage.Run) { r.ThermalWorst = "serious" },
				func(r *storage.Run) { r.ThermalWorst = "critical" }, func(r *storage.Run) { r.ThermalWorst, r.Throttled = "nominal", true },
			}},
		{"unstable", "unstable_runs_left_out", "--exclude-unstable", "Left out 2 runs whose repetitions stepped between two levels", false,
			[]func(*storage.Run){
				func(r *storage.Run) { r.Stability = engine.StabilityShift }, func(r *storage.Run) { r.Stability = engine.StabilityShift },
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, db, s, n := seeded(t)
			for i, mark := range tt.mark {
				r := s.Run("gpt2-medium", "fp16", 96<<i, 1)
				mark(r)
				s.Insert(r)
			}
			leaveOut, keep := []string{}, []string{tt.flag}
			if !tt.byDefault {
				leaveOut, keep = keep, leaveOut
			}
			var left, all map[string]any
			decodeJSON(t, clitest.Run(t, env, append([]string{"fit", "--format", "json", "--db", db}, leaveOut...)...), &left)
			if left["n_runs"] != float64(n) || left[tt.key] != float64(len(tt.mark)) {
				t.Errorf("%v: n_runs %v, %s %v; want %d and %d", leaveOut, left["n_runs"], tt.key, left[tt.key], n, len(tt.mark))
			}
			decodeJSON(t, clitest.Run(t, env, append([]string{"fit", "--format", "json", "--db", db}, keep...)...), &all)
			if all["n_runs"] != float64(n+len(tt.mark)) || all[tt.key] != float64(0) {
				t.Errorf("%v: n_runs %v, %s %v; want %d and 0", keep, all["n_runs"], tt.key, all[tt.key], n+len(tt.mark))
			}
			clitest.MustContain(t, "fit table", clitest.Run(t, env, append([]string{"fit", "--db", db}, leaveOut...)...).Stdout, tt.says)
		})
	}
}

func TestChartsWritesImages(t *testing.T) {
	env, db, s, _ := seeded(t)
	oom := s.Run("gpt2-large", "fp32", 768, 1)
	oom.Status, oom.TTFTMs, oom.DecodeMsPerToken, oom.DecodeTokensPerSec, oom.PeakMemoryBytes = storage.StatusOOM, nil, nil, nil, nil
	s.Insert(oom)
	dir := filepath.Join(t.TempDir(), "charts")
	r := clitest.Run(t, env, "charts", "--out", dir, "--memory", "4GiB", "--db", db)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	paths := strings.Fields(r.Stdout)
	for _, name := range []string{"latency-vs-context", "throughput-vs-batch", "memory-vs-context", "feasibility-map",
		"predicted-vs-measured-ms-per-token", "predicted-vs-measured-peak-memory"} {
		for _, ext := range []string{".png", ".svg"} {
			if !slices.Contains(paths, filepath.Join(dir, name+ext)) {
				t.Errorf("no %s%s among %v", name, ext, paths)
			}
		}
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(p) {
		case ".png":
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		case ".svg":
			d := xml.NewDecoder(bytes.NewReader(b))
			for {
				if _, err := d.Token(); err != nil {
					if !errors.Is(err, io.EOF) {
						t.Errorf("%s: %v", p, err)
					}
					break
				}
			}
		}
	}
}

func TestAdviseTooLittleData(t *testing.T) {
	env := clitest.Env(t, false)
	db := filepath.Join(t.TempDir(), "runs.db")
	r := clitest.Run(t, env, "fit", "--db", db)
	if r.Code != command.ExitFailure || !strings.Contains(r.Stderr, "no runs") || !strings.Contains(r.Stderr, "inferbench sweep") {
		t.Errorf("empty database: exit %d, %q", r.Code, r.Stderr)
	}
	// Every chart is drawn, saying in its body that there is nothing to draw, and stderr says why.
	r = clitest.Run(t, env, "charts", "--out", t.TempDir(), "--db", db)
	if r.Code != 0 || !strings.Contains(r.Stderr, "no successful or out-of-memory runs yet") || !strings.Contains(r.Stdout, "latency-vs-context.png") {
		t.Errorf("charts of nothing: exit %d, %q, %q", r.Code, r.Stdout, r.Stderr)
	}
	s := apptest.NewSynthetic(t, db)
	for _, c := range apptest.SynthContexts {
		s.Insert(s.Run("gpt2", "fp16", c, 1))
	}
	for _, args := range [][]string{{"fit"}, {"predict"}, {"recommend"}} {
		r := clitest.Run(t, env, append(args, "--db", db)...)
		if r.Code != command.ExitFailure || !strings.Contains(r.Stderr, "at least 8 configurations") || !strings.Contains(r.Stderr, "measure more") {
			t.Errorf("%s on 4 runs of one model: exit %d, %q", args[0], r.Code, r.Stderr)
		}
	}
	// Charts still draws the measurements.
	r = clitest.Run(t, env, "charts", "--out", t.TempDir(), "--db", db)
	if r.Code != 0 || !strings.Contains(r.Stdout, "latency-vs-context.png") || !strings.Contains(r.Stderr, "measurements only") {
		t.Errorf("charts without a fit: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
}
