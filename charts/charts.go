// Package charts draws Inferbench results: decode latency, throughput and
// peak memory against context length and batch size, the accuracy of the
// fitted models, and which model and precision fit a latency and memory
// budget.
//
// The package takes plain values (Point, Pair, Options) so that it can be
// used by any front end; each chart function returns a *plot.Plot that Save
// writes as PNG and SVG.
package charts

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Point is one configuration's result, measured or predicted.
type Point struct {
	Model, Precision string
	Context, Batch   int
	MsPerToken       float64 // decode latency; 0 when unknown
	TokensPerSec     float64 // decode throughput over the batch; 0 when unknown
	PeakMemoryBytes  int64
	BytesPerStep     int64  // bytes a decode step reads (weights and KV cache); 0 when unknown
	Status           string // "ok", "oom", "skipped", ...; "" counts as "ok"
	Predicted        bool
}

// Pair is one configuration's predicted and measured value of a quantity.
type Pair struct {
	Measured, Predicted float64
	Label               string
	Model               string // colours the pair as its model is coloured elsewhere; optional
}

// Options holds what the charts compare results against.
type Options struct {
	// MemoryBudgetBytes is the memory available to the model; 0 means none.
	MemoryBudgetBytes int64
	// ThresholdMs is the decode latency above which generation no longer
	// feels interactive; 0 means none.
	ThresholdMs float64
	// MemoryBudgetSource names whose budget MemoryBudgetBytes is, as in
	// "the measured machine's memory budget"; "" says "the".
	MemoryBudgetSource string
	// Title, if set, is appended to every chart's own title, for example
	// the machine the results came from.
	Title string
	// Models, if set, fixes the order of models and so their colours: a
	// model has the same colour on every chart drawn with these Options.
	Models []string
	// PeakBandwidthGBs is the memory bandwidth of the device the runs were measured on, the
	// roof of the roofline chart; 0 when unknown.
	PeakBandwidthGBs float64
}

func (o Options) budgetName() string {
	if o.MemoryBudgetSource == "" {
		return "the"
	}
	return o.MemoryBudgetSource
}

// ErrNoData is returned (wrapped) by a chart that has nothing to draw.
var ErrNoData = errors.New("no data to draw")

// NoDataError says why a chart has nothing to draw, in words for its reader.
type NoDataError struct {
	Title string // the chart's title
	Why   string
}

func (e *NoDataError) Error() string { return "charts: " + e.Title + ": " + e.Why }

func (e *NoDataError) Unwrap() error { return ErrNoData }

func noData(title, format string, args ...any) error {
	return &NoDataError{Title: title, Why: fmt.Sprintf(format, args...)}
}

// Explain returns the chart to draw in place of one that failed with err: a
// title and, in the body, the reason there is nothing to draw.
func Explain(err error) Figure {
	var nd *NoDataError
	if errors.As(err, &nd) {
		return message{title: nd.Title, why: nd.Why}
	}
	return message{title: "No chart", why: err.Error()}
}

// Chart size: 8×5 inches reads well on screen and in documents; PNGs use
// 150 dpi so text stays sharp when the image is scaled down.
const (
	width  = 8 * vg.Inch
	height = 5 * vg.Inch
	pngDPI = 150
)

// svgFonts names fallbacks for the Liberation Sans that the charts are laid
// out in, which few machines other than Linux ones have. Arial and
// Helvetica have the same metrics, so the layout holds; embedding the
// fonts instead would add hundreds of kilobytes to each file.
const svgFonts = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"

// Save writes p as dir/name.png and dir/name.svg, creating dir if needed,
// and returns the paths written.
func Save(p Figure, dir, name string) ([]string, error) {
	if p == nil {
		return nil, errors.New("charts: save: nil figure")
	}
	if name == "" || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("charts: save: invalid chart name %q", name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("charts: save %s: %w", filepath.Join(dir, name), err)
	}

	// Render both formats before writing either, so a failure leaves no
	// half-drawn file behind.
	png := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(pngDPI))
	p.Draw(draw.New(png))
	svg := vgsvg.New(width, height)
	p.Draw(draw.New(svg))

	var paths []string
	for _, out := range []struct {
		ext string
		c   vg.CanvasWriterTo
	}{
		{"png", vgimg.PngCanvas{Canvas: png}},
		{"svg", svg},
	} {
		path := filepath.Join(dir, name+"."+out.ext)
		var buf bytes.Buffer
		if _, err := out.c.WriteTo(&buf); err != nil {
			return paths, fmt.Errorf("charts: render %s: %w", path, err)
		}
		b := buf.Bytes()
		if out.ext == "svg" {
			b = bytes.ReplaceAll(b, []byte("font-family:Liberation Sans;"), []byte(svgFonts))
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return paths, fmt.Errorf("charts: write %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// RenderAll draws every chart into dir and returns the paths written. A
// chart without data is drawn as its title and the reason, so that every
// chart a reader expects is there and says what it lacks. pairs maps a unit
// such as "ms/token" or "tokens/s" to that quantity's predicted-vs-measured
// pairs. RenderAll returns an error wrapping ErrNoData, beside the paths,
// when no chart at all has data.
func RenderAll(points []Point, pairs map[string][]Pair, opt Options, dir string) ([]string, error) {
	type chart struct {
		name  string
		build func() (Figure, error)
	}
	charts := []chart{
		{"latency-vs-context", func() (Figure, error) { return LatencyVsContext(points, opt) }},
		{"throughput-vs-batch", func() (Figure, error) { return ThroughputVsBatch(points, opt) }},
		{"memory-vs-context", func() (Figure, error) { return MemoryVsContext(points, opt) }},
		{"feasibility-map", func() (Figure, error) { return FeasibilityMap(points, opt) }},
		{"roofline", func() (Figure, error) { return Roofline(points, opt) }},
	}
	units := make([]string, 0, len(pairs))
	for u := range pairs {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, u := range units {
		charts = append(charts, chart{
			"predicted-vs-measured-" + pairName(u),
			func() (Figure, error) { return PredictedVsMeasured(pairs[u], u, opt) },
		})
	}

	var (
		paths   []string
		skipped []string
		errs    []error
	)
	for _, c := range charts {
		p, err := c.build()
		if errors.Is(err, ErrNoData) {
			skipped = append(skipped, c.name)
			p, err = Explain(err), nil
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("charts: %s: %w", c.name, err))
			continue
		}
		written, err := Save(p, dir, c.name)
		paths = append(paths, written...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(skipped) == len(charts) && len(errs) == 0 {
		return paths, fmt.Errorf("charts: nothing to draw in %s: %w", strings.Join(skipped, ", "), ErrNoData)
	}
	return paths, errors.Join(errs...)
}

// pairName names a predicted-vs-measured chart by its quantity where it is
// one Inferbench reports, and by its unit otherwise.
func pairName(unit string) string {
	switch unit {
	case "ms":
		return "ttft"
	case "GB":
		return "peak-memory"
	}
	return slug(unit)
}

// slug turns a unit into a file-name fragment: "ms/token" → "ms-per-token".
func slug(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "/", " per "))
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "values"
	}
	return b.String()
}
