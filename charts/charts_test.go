package charts

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// gpt2 describes the GPT-2 sizes used as test models.
var gpt2 = []struct {
	name           string
	params         float64
	layers, dModel int
}{
	{"gpt2", 124e6, 12, 768},
	{"gpt2-medium", 355e6, 24, 1024},
	{"gpt2-large", 774e6, 36, 1280},
}

var testOptions = Options{MemoryBudgetBytes: 1.9e9, ThresholdMs: 10, PeakBandwidthGBs: 68}

// decode models a memory-bound decode step: every token reads the weights
// and the KV cache once, at 68 GB/s, plus a fixed 0.8 ms of overhead.
func decode(params float64, bytesPerParam float64, layers, dModel, context, batch int) (ms, tps float64, mem int64) {
	weights := params * bytesPerParam
	kv := float64(2*layers*dModel*2) * float64(context*batch) // K and V, fp16
	ms = (weights+kv)/68e9*1000 + 0.8
	return ms, float64(batch) * 1000 / ms, int64(weights + kv + 200e6)
}

// testPoints returns 3 GPT-2 sizes × fp16/int4 × contexts 64..1024 × batch
// 1 and 4, with runs over testOptions' budget marked "oom", plus predicted
// points for gpt2 at longer contexts and one skipped run.
func testPoints() []Point {
	var pts []Point
	precisions := []struct {
		name string
		bpp  float64
	}{{"fp16", 2}, {"int4", 0.5625}} // int4 carries a scale per group of 32
	for _, m := range gpt2 {
		for _, pr := range precisions {
			for _, batch := range []int{1, 4} {
				for ctx := 64; ctx <= 1024; ctx *= 2 {
					ms, tps, mem := decode(m.params, pr.bpp, m.layers, m.dModel, ctx, batch)
					pt := Point{Model: m.name, Precision: pr.name, Context: ctx, Batch: batch, Status: "ok"}
					if mem > testOptions.MemoryBudgetBytes {
						pt.Status = "oom"
					} else {
						pt.MsPerToken, pt.TokensPerSec, pt.PeakMemoryBytes = ms, tps, mem
						pt.BytesPerStep = int64(m.params*pr.bpp + float64(2*m.layers*m.dModel*2)*float64(ctx*batch))
					}
					pts = append(pts, pt)
				}
			}
		}
	}
	for _, ctx := range []int{2048, 4096} {
		ms, tps, mem := decode(gpt2[0].params, 2, gpt2[0].layers, gpt2[0].dModel, ctx, 1)
		pts = append(pts, Point{Model: "gpt2", Precision: "fp16", Context: ctx, Batch: 1,
			MsPerToken: ms, TokensPerSec: tps, PeakMemoryBytes: mem, Status: "ok", Predicted: true})
	}
	pts = append(pts, Point{Model: "gpt2-medium", Precision: "int4", Context: 4096, Batch: 4, Status: "skipped"})
	return pts
}

// testPairs returns predictions within a few percent of the measurements,
// with a handful of misses, as the fitted models produce.
func testPairs(points []Point) map[string][]Pair {
	pairs := map[string][]Pair{}
	for i, pt := range points {
		if pt.Predicted || !isOK(pt) || pt.MsPerToken == 0 {
			continue
		}
		// Deterministic error between -6% and +6%, and a few larger misses.
		e := 0.06 * math.Sin(float64(i)*1.7)
		if i%11 == 0 {
			e = 0.12 + 0.02*float64(i%3)
		}
		label := fmt.Sprintf("%s %s ctx %d b%d", pt.Model, pt.Precision, pt.Context, pt.Batch)
		pairs["ms/token"] = append(pairs["ms/token"], Pair{Measured: pt.MsPerToken, Predicted: pt.MsPerToken * (1 + e), Label: label})
		pairs["tokens/s"] = append(pairs["tokens/s"], Pair{Measured: pt.TokensPerSec, Predicted: pt.TokensPerSec / (1 + e), Label: pt.Model + ", " + pt.Precision})
	}
	return pairs
}

// chartFuncs builds every chart from the test data.
func chartFuncs(points []Point, pairs map[string][]Pair, opt Options) map[string]func() (Figure, error) {
	return map[string]func() (Figure, error){
		"latency-vs-context":  func() (Figure, error) { return LatencyVsContext(points, opt) },
		"throughput-vs-batch": func() (Figure, error) { return ThroughputVsBatch(points, opt) },
		"memory-vs-context":   func() (Figure, error) { return MemoryVsContext(points, opt) },
		"feasibility-map":     func() (Figure, error) { return FeasibilityMap(points, opt) },
		"roofline":            func() (Figure, error) { return Roofline(points, opt) },
		"predicted-vs-measured-ms-per-token": func() (Figure, error) {
			return PredictedVsMeasured(pairs["ms/token"], "ms/token", opt)
		},
		"predicted-vs-measured-tokens-per-s": func() (Figure, error) {
			return PredictedVsMeasured(pairs["tokens/s"], "tokens/s", opt)
		},
	}
}

// mixedPoints adds to testPoints models measured at few contexts, more
// precisions, a skipped run and a prediction, without context 256 or a
// 4096 prediction, as a sweep that is still under way leaves them.
func mixedPoints() []Point {
	var pts []Point
	for _, pt := range testPoints() {
		if pt.Context != 256 && pt.Context != 4096 {
			pts = append(pts, pt)
		}
	}
	return append(pts,
		Point{Model: "llama-3.2-1b", Precision: "bf16", Context: 512, Batch: 1, MsPerToken: 31, TokensPerSec: 32, PeakMemoryBytes: 2.9e9, Status: "ok"},
		Point{Model: "llama-3.2-1b", Precision: "bf16", Context: 1024, Batch: 1, MsPerToken: 33, TokensPerSec: 30, PeakMemoryBytes: 3.1e9, Status: "ok"},
		Point{Model: "llama-3.2-1b", Precision: "int8", Context: 1024, Batch: 1, MsPerToken: 18, TokensPerSec: 55, PeakMemoryBytes: 1.7e9, Status: "ok"},
		Point{Model: "qwen2.5-3b", Precision: "int8", Context: 1024, Batch: 1, Status: "skipped"},
		Point{Model: "qwen2.5-3b", Precision: "int4", Context: 1024, Batch: 1, MsPerToken: 28, TokensPerSec: 35, PeakMemoryBytes: 2.2e9, Status: "ok", Predicted: true},
	)
}

// manyPoints is a GPU sweep's worth of series: seven models by five
// precisions, too many for one legend, so the line charts become panels.
func manyPoints() []Point {
	models := []struct {
		name           string
		params         float64
		layers, dModel int
	}{{"gpt2", 124e6, 12, 768}, {"smollm2-135m", 135e6, 30, 576}, {"gpt2-medium", 355e6, 24, 1024}, {"qwen2.5-0.5b", 494e6, 24, 896},
		{"gpt2-large", 774e6, 36, 1280}, {"llama-3.2-1b", 1236e6, 16, 2048}, {"gpt2-xl", 1558e6, 48, 1600}}
	precisions := []struct {
		name string
		bpp  float64
	}{{"fp32", 4}, {"fp16", 2}, {"bf16", 2}, {"int8", 1.06}, {"int4", 0.56}}
	var pts []Point
	for _, m := range models {
		for _, pr := range precisions {
			for _, batch := range []int{1, 8} {
				for _, ctx := range []int{16, 32, 48, 128, 256, 512, 960, 1024} {
					ms, _, mem := decode(m.params, pr.bpp, m.layers, m.dModel, ctx, batch)
					ms += 0.12 * float64(m.layers) // dispatch per layer
					bytes := int64(m.params*pr.bpp + float64(2*m.layers*m.dModel*2)*float64(ctx*batch))
					pts = append(pts, Point{Model: m.name, Precision: pr.name, Context: ctx, Batch: batch, Status: "ok",
						MsPerToken: ms, TokensPerSec: float64(batch) * 1000 / ms, PeakMemoryBytes: mem, BytesPerStep: bytes})
				}
			}
		}
	}
	return pts
}

// testSets are the data sets every chart is drawn from: the GPT-2 sweep
// against a budget and threshold, and the mixed one with neither but with
// a machine named in the titles.
var testSets = []struct {
	name   string
	points func() []Point
	opt    Options
}{
	{"gpt2", testPoints, testOptions},
	{"mixed", mixedPoints, Options{Title: "MacBook Pro M3 Max, MLX 0.21, 64 GB unified memory"}},
	{"many", manyPoints, Options{ThresholdMs: 5, MemoryBudgetBytes: 140e9, MemoryBudgetSource: "the measured machine's", PeakBandwidthGBs: 4800}},
}

func TestChartsRender(t *testing.T) {
	dir := t.TempDir()
	for _, set := range testSets {
		points := set.points()
		for name, build := range chartFuncs(points, testPairs(points), set.opt) {
			name := set.name + "-" + name
			t.Run(name, func(t *testing.T) {
				p, err := build()
				if err != nil {
					t.Fatal(err)
				}
				paths, err := Save(p, dir, name)
				if err != nil {
					t.Fatal(err)
				}
				want := []string{filepath.Join(dir, name+".png"), filepath.Join(dir, name+".svg")}
				if fmt.Sprint(paths) != fmt.Sprint(want) {
					t.Fatalf("Save returned %v, want %v", paths, want)
				}
				checkPNG(t, want[0])
				checkSVG(t, want[1])
			})
		}
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10<<10 {
		t.Errorf("%s: %d bytes, want > 10 KB", path, len(b))
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// 8×5 inches at 150 dpi.
	if got := img.Bounds().Size(); got.X != 1200 || got.Y != 750 {
		t.Errorf("%s: %v pixels, want 1200x750", path, got)
	}
}

func checkSVG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSpace(string(b))
	if !strings.HasPrefix(s, "<?xml") && !strings.HasPrefix(s, "<svg") {
		t.Errorf("%s does not start like an SVG document: %.40q", path, s)
	}
}

func TestNoData(t *testing.T) {
	unusable := []Point{
		{Model: "gpt2", Precision: "fp16", Context: 64, Batch: 1, Status: "skipped"},
		{Model: "gpt2", Precision: "fp16", Context: 128, Batch: 1, Status: "error"},
	}
	for _, points := range [][]Point{nil, unusable} {
		for name, build := range chartFuncs(points, nil, testOptions) {
			p, err := build()
			if !errors.Is(err, ErrNoData) {
				t.Errorf("%s with %d unusable points: got (%v, %v), want ErrNoData", name, len(points), p, err)
			}
		}
	}
	// Log axes cannot show zero or negative values.
	if _, err := PredictedVsMeasured([]Pair{{Measured: 0, Predicted: 1}, {Measured: 2, Predicted: -1}}, "ms/token", testOptions); !errors.Is(err, ErrNoData) {
		t.Errorf("PredictedVsMeasured with non-positive values: got %v, want ErrNoData", err)
	}
}

func TestSaveUnderFile(t *testing.T) {
	p, err := LatencyVsContext(testPoints(), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "results.txt")
	if err := os.WriteFile(file, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "charts")
	paths, err := Save(p, dir, "latency")
	if err == nil {
		t.Fatalf("Save under a regular file succeeded: %v", paths)
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not name %s", err, dir)
	}
	if _, err := Save(p, t.TempDir(), "a/b"); err == nil {
		t.Error("Save accepted a name with a path separator")
	}
}

func TestRenderAll(t *testing.T) {
	points := testPoints()
	dir := t.TempDir()
	paths, err := RenderAll(points, testPairs(points), testOptions, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"latency-vs-context", "throughput-vs-batch", "memory-vs-context", "feasibility-map", "roofline",
		"predicted-vs-measured-ms-per-token", "predicted-vs-measured-tokens-per-s",
	} {
		for _, ext := range []string{".png", ".svg"} {
			if !contains(paths, filepath.Join(dir, name+ext)) {
				t.Errorf("RenderAll did not write %s%s; wrote %v", name, ext, paths)
			}
		}
	}
	if len(paths) != 14 {
		t.Errorf("RenderAll wrote %d files, want 14: %v", len(paths), paths)
	}
}

func TestRenderAllSkipsChartsWithoutData(t *testing.T) {
	// Latency only: no throughput, no memory, no predictions.
	var points []Point
	for _, pt := range testPoints() {
		if isOK(pt) {
			pt.TokensPerSec, pt.PeakMemoryBytes = 0, 0
			points = append(points, pt)
		}
	}
	dir := t.TempDir()
	paths, err := RenderAll(points, map[string][]Pair{"ms/token": nil}, testOptions, dir)
	if err != nil {
		t.Fatal(err)
	}
	// Every chart is written; those without data say why in their body.
	var want []string
	for _, name := range []string{"latency-vs-context", "throughput-vs-batch", "memory-vs-context", "feasibility-map", "roofline", "predicted-vs-measured-ms-per-token"} {
		want = append(want, filepath.Join(dir, name+".png"), filepath.Join(dir, name+".svg"))
	}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("RenderAll wrote %v, want %v", paths, want)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "throughput-vs-batch.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), "No run has a decode throughput") {
		t.Errorf("the throughput chart without data does not say why")
	}

	empty := filepath.Join(t.TempDir(), "charts")
	paths, err = RenderAll(nil, nil, testOptions, empty)
	if !errors.Is(err, ErrNoData) || len(paths) != 10 {
		t.Errorf("RenderAll with no data: got (%v, %v), want 10 explanations and ErrNoData", paths, err)
	}
}

// TestPreview writes every chart of every test set to
// $INFERBENCH_CHART_PREVIEW/<set>, if set, for a person to look at.
func TestPreview(t *testing.T) {
	dir := os.Getenv("INFERBENCH_CHART_PREVIEW")
	if dir == "" {
		t.Skip("INFERBENCH_CHART_PREVIEW not set")
	}
	for _, set := range testSets {
		points := set.points()
		paths, err := RenderAll(points, testPairs(points), set.opt, filepath.Join(dir, set.name))
		if err != nil {
			t.Fatal(err)
		}
		t.Log(paths)
	}
}

func TestPrecisionOrder(t *testing.T) {
	o := orderOf([]Point{{Precision: "int4"}, {Precision: "q8_0"}, {Precision: "mixed"}, {Precision: "bf16"}, {Precision: "fp16"}, {Precision: "fp32"}}, Options{})
	want := "[fp32 bf16 fp16 q8_0 int4 mixed]"
	if got := fmt.Sprint(o.precisions); got != want {
		t.Errorf("precision order %s, want %s", got, want)
	}
}

func TestTicks(t *testing.T) {
	labels := func(ticks []plot.Tick) string {
		var s []string
		for _, tk := range ticks {
			if tk.Label != "" {
				s = append(s, tk.Label)
			}
		}
		return fmt.Sprint(s)
	}
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{1.5, 18, "[2 3 5 10]"},
		{40, 3000, "[50 100 200 500 1000 2000]"},
		{0.05, 3e4, "[0.1 1 10 100 1000 10000]"},
	} {
		if got := labels(logTicks{}.Ticks(math.Log10(tc.lo), math.Log10(tc.hi))); got != tc.want {
			t.Errorf("log ticks over [%g, %g]: %s, want %s", tc.lo, tc.hi, got, tc.want)
		}
	}
	if got, want := labels(linearTicks{}.Ticks(0, 2.1)), "[0 0.5 1 1.5 2]"; got != want {
		t.Errorf("linear ticks over [0, 2.1]: %s, want %s", got, want)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"ms/token": "ms-per-token", "tokens/s": "tokens-per-s", "GB": "gb", "": "values"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBands(t *testing.T) {
	b := newBands(1, 64, 0)
	if len(b.colors) != latencyBands || b.index(1) != 0 || b.index(64) != latencyBands-1 || b.index(5) != 2 {
		t.Errorf("bands over [1, 64]: edges %v; index(1)=%d index(5)=%d index(64)=%d",
			b.edges, b.index(1), b.index(5), b.index(64))
	}
	if one := newBands(3, 3, 0); len(one.colors) != 1 || one.index(3) != 0 {
		t.Errorf("bands over [3, 3]: %d bands", len(one.colors))
	}
	// An interactive threshold inside the range is a band edge.
	th := newBands(1, 1000, 200)
	if !slices.Contains(th.edges, 200) || th.index(199) == th.index(201) || len(th.colors) != latencyBands {
		t.Errorf("bands over [1, 1000] with threshold 200: edges %v", th.edges)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// A budget far above every run is named in the title instead of squashing the lines.
func TestMemoryBudgetFarAbove(t *testing.T) {
	points := []Point{
		{Model: "gpt2", Precision: "fp16", Context: 64, Batch: 1, PeakMemoryBytes: 300e6, MsPerToken: 10, Status: "ok"},
		{Model: "gpt2", Precision: "fp16", Context: 128, Batch: 1, PeakMemoryBytes: 310e6, MsPerToken: 10, Status: "ok"},
	}
	tests := []struct {
		budget  int64
		inTitle bool
	}{{16e9, true}, {1e9, false}}
	for _, tt := range tests {
		p, err := MemoryVsContext(points, Options{MemoryBudgetBytes: tt.budget})
		if err != nil {
			t.Fatal(err)
		}
		title := p.(*plot.Plot).Title.Text
		if got := strings.Contains(title, "far above every run"); got != tt.inTitle {
			t.Errorf("budget %d: title %q", tt.budget, title)
		}
	}
}

// A threshold far above every run is named in the title instead of squashing the lines.
func TestThresholdFarAbove(t *testing.T) {
	points := []Point{
		{Model: "gpt2", Precision: "fp16", Context: 128, Batch: 1, MsPerToken: 1.6, Status: "ok"},
		{Model: "gpt2", Precision: "fp16", Context: 512, Batch: 1, MsPerToken: 2.0, Status: "ok"},
	}
	for _, tt := range []struct {
		threshold float64
		inTitle   bool
	}{{200, true}, {5, false}} {
		f, err := LatencyVsContext(points, Options{ThresholdMs: tt.threshold})
		if err != nil {
			t.Fatal(err)
		}
		p := f.(*plot.Plot)
		if got := strings.Contains(p.Title.Text, "far under"); got != tt.inTitle {
			t.Errorf("threshold %v: title %q", tt.threshold, p.Title.Text)
		}
		// Both ranges span under tenfold, so the axis is linear.
		if top := p.Y.Max; tt.inTitle == (top >= tt.threshold) {
			t.Errorf("threshold %v: the axis reaches %.1f ms/token", tt.threshold, top)
		}
	}
}

func TestRoofline(t *testing.T) {
	points := testPoints()
	if _, err := Roofline(points, testOptions); err != nil {
		t.Fatal(err)
	}
	// Without the bytes a step reads there is nothing to place.
	var old []Point
	for _, pt := range points {
		pt.BytesPerStep = 0
		old = append(old, pt)
	}
	if _, err := Roofline(old, testOptions); !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "schema version 5") {
		t.Errorf("runs without bytes per step: %v", err)
	}
	for _, tt := range []struct {
		gbs  float64
		want string
	}{{4800, "4800"}, {546, "546"}, {5.2942, "5.29"}, {68.25, "68.2"}} {
		if got := formatBandwidth(tt.gbs); got != tt.want {
			t.Errorf("formatBandwidth(%v) = %q, want %q", tt.gbs, got, tt.want)
		}
	}
}
