package charts

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

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
