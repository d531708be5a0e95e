package advise

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/charts"
	"github.com/inferbench/inferbench/storage"
)

// chartSVGs reads every SVG in dir by name.
func chartSVGs(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.svg"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".svg")] = string(b)
	}
	return out
}

var allCharts = []string{"latency-vs-context", "throughput-vs-batch", "memory-vs-context", "feasibility-map", "roofline",
	"predicted-vs-measured-ms-per-token", "predicted-vs-measured-ttft", "predicted-vs-measured-peak-memory"}

// copyDB copies a database file into a temporary folder, so a test never writes to the original.
func copyDB(t *testing.T, src string) string {
	t.Helper()
	in, err := os.Open(src)
	if os.IsNotExist(err) {
		t.Skipf("%s is not here", src)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestChartsOnDatabases draws every chart from databases of every size. Each chart either
// draws data or says in its body why not; with a sweep, every one draws data.
func TestChartsOnDatabases(t *testing.T) {
	for _, c := range []struct {
		name     string
		db       func(t *testing.T) string
		withData []string // charts that must draw data; the rest must say why not
	}{
		{"sweep", func(t *testing.T) string { _, db, _, _ := seeded(t); return db }, allCharts},
		// Measured before runs recorded the bytes a decode step reads: no roofline.
		{"GPU sweep", func(t *testing.T) string { return copyDB(t, "../../../bench/data/h200-sweep.sqlite") },
			slices.DeleteFunc(slices.Clone(allCharts), func(c string) bool { return c == "roofline" })},
		{"one run", func(t *testing.T) string {
			db := filepath.Join(t.TempDir(), "one.db")
			s := apptest.NewSynthetic(t, db)
			s.Insert(s.Run("gpt2", "fp16", 128, 1))
			return db
		}, []string{"latency-vs-context", "throughput-vs-batch", "memory-vs-context", "feasibility-map", "roofline"}},
		{"none", func(t *testing.T) string {
			db := filepath.Join(t.TempDir(), "none.db")
			apptest.NewSynthetic(t, db)
			return db
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := c.db(t)
			dir := filepath.Join(t.TempDir(), "charts")
			r := clitest.Run(t, clitest.Env(t, false), "charts", "--out", dir, "--db", db)
			if r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r.Stderr)
			}
			svgs := chartSVGs(t, dir)
			for _, name := range allCharts {
				svg, ok := svgs[name]
				switch want := slices.Contains(c.withData, name); {
				case !ok:
					t.Errorf("no %s chart", name)
				case want && strings.Contains(svg, charts.NothingToDraw):
					t.Errorf("%s says it has nothing to draw", name)
				case !want && !strings.Contains(svg, charts.NothingToDraw):
					t.Errorf("%s draws something from data that should not allow it", name)
				}
			}
		})
	}
}

func TestReportHasEverySection(t *testing.T) {
	env, db, s, _ := seeded(t)
	oom := s.Run("gpt2-large", "fp32", 768, 1)
	oom.Status, oom.TTFTMs, oom.DecodeMsPerToken, oom.DecodeTokensPerSec, oom.PeakMemoryBytes = storage.StatusOOM, nil, nil, nil, nil
	s.Insert(oom)
	out := filepath.Join(t.TempDir(), "report")
	r := clitest.Run(t, env, "report", "--out", out, "--db", db, "--memory", "4GiB")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"How well the advisor predicts", "Recommendations", "Variance shares per factor",
		"Scaling exponents", "Correlations", "Out-of-memory map", "Charts"} {
		clitest.MustContain(t, "report.html", string(page), "<h2>"+want+"</h2>")
		clitest.MustContain(t, "report.md", string(md), "## "+want)
	}
	// Self-contained: every chart is in the page, and nothing refers to a file beside it.
	if n := strings.Count(string(page), `src="data:image/png;base64,`); n != len(allCharts) {
		t.Errorf("report.html embeds %d charts, want %d", n, len(allCharts))
	}
	if strings.Contains(string(page), `src="charts/`) {
		t.Error("report.html links a chart file instead of embedding it")
	}
	for _, name := range allCharts {
		link := "charts/" + name + ".png"
		clitest.MustContain(t, "report.md", string(md), "]("+link+")")
		if _, err := os.Stat(filepath.Join(out, link)); err != nil {
			t.Errorf("report.md links %s: %v", link, err)
		}
	}
	// Content, not only headings: a ranked setting, a factor's share, an exponent, the OOM run.
	for _, want := range []string{"| 1 | gpt2 |", "| decode |", "| ttft | context |", "gpt2-large fp32 ctx 768 batch 1", "decided by"} {
		clitest.MustContain(t, "report.md", string(md), want)
	}
}

func TestReportWithoutRuns(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.db")
	apptest.NewSynthetic(t, db)
	out := filepath.Join(t.TempDir(), "report")
	r := clitest.Run(t, clitest.Env(t, false), "report", "--out", out, "--db", db)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	clitest.MustContain(t, "report.md", string(md), "0 runs in", "No fit:", "holds no runs yet", "No recommendations without a fit")
	if r := clitest.Run(t, clitest.Env(t, false), "report", "--db", db); r.Code != 2 || !strings.Contains(r.Stderr, "--out is required") {
		t.Errorf("report without --out: exit %d, %s", r.Code, r.Stderr)
	}
}
