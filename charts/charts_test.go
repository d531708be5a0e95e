package charts

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
