package advise

import (
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/app/report"
)

// section is one part of the report, written alike as HTML and as Markdown.
type section struct {
	title  string
	paras  []string
	tables []table
	images []string // PNG paths
}

type table struct {
	head []string
	rows [][]string
}

// sections builds the report's content once for both formats.
func (r *analysis) sections() []section {
	return []section{r.fitSection(), r.recSection(), r.shareSection(), r.exponentSection(), r.corrSection(), r.oomSection(),
		{title: "Charts", paras: []string{"Every chart of inferbench charts. A chart without data says why in its body."}, images: r.charts}}
}

func (r *analysis) fitSection() section {
	s := section{title: "How well the advisor predicts"}
	if r.f == nil {
		s.paras = append(s.paras, "No fit: "+r.fitErr.Error())
		return s
	}
	m := r.f.Fit.Metrics
	s.paras = append(s.paras, "Every figure is out of sample: each run predicted by a model that was not trained on it. "+
		"The naive baseline predicts the average of all runs; a model is worth using only where it beats it.")
	t := table{head: []string{"target", "model", "MAPE, 5-fold CV", "R², CV", "MAPE, leave one model out", "naive baseline, CV", "90% interval coverage"}}
	for _, row := range []struct {
		name, kind                    string
		mape, r2, lomo, base, coverge *float64
	}{
		{"decode ms/token", m.Decode.Model, m.Decode.MAPE5Fold, m.Decode.R2CV, m.Decode.MAPELOMO, m.Decode.Baseline().MAPE5Fold, m.Decode.Coverage90},
		{"time to first token", m.TTFT.Model, m.TTFT.MAPE5Fold, m.TTFT.R2CV, m.TTFT.MAPELOMO, m.TTFT.Baseline().MAPE5Fold, m.TTFT.Coverage90},
		{"peak memory", m.Memory.Model, m.Memory.MAPE5Fold, m.Memory.R2CV, m.Memory.MAPELOMO, m.Memory.Baseline().MAPE5Fold, m.Memory.Coverage90},
	} {
		t.rows = append(t.rows, []string{row.name, row.kind, fmtPct(row.mape), fmtDec(row.r2), fmtPct(row.lomo), fmtPct(row.base), fmtPct(row.coverge)})
	}
	s.tables = append(s.tables, t)
	s.paras = append(s.paras, fmt.Sprintf("Interactive (decode under %s ms/token): %d runs interactive, %d not; classifier accuracy %s.",
		fmtNum(r.thresholdMs), m.Interactive.Positive, m.Interactive.Negative, fmtPct(m.Interactive.AccuracyCV)))
	if costs := r.f.Fit.DecodeCosts(); costs != nil {
		ct := table{head: []string{"precision", "decode ms per layer", "weights read at"}}
		for _, c := range costs {
			rate := "–"
			switch {
			case c.Efficiency > 0:
				rate = fmt.Sprintf("%.0f%% of nominal bandwidth", 100*c.Efficiency)
			case c.BandwidthGBs > 0:
				rate = fmt.Sprintf("%.1f GB/s", c.BandwidthGBs)
			}
			ct.rows = append(ct.rows, []string{c.Precision, fmt.Sprintf("%.3f", c.PerLayerMs), rate})
		}
		s.tables = append(s.tables, ct)
		s.paras = append(s.paras, "Where decode time goes: the decode model's per-layer cost (kernel launches, whatever the layer's size) and the rate at which it reads the weights, per precision.")
		if advisor.AnyBeyondNominal(costs) {
			s.paras = append(s.paras, advisor.BeyondNominalNote)
		}
	}
	if lw := r.f.Fit.MemoryLiveLayers(); lw > 0 {
		s.paras = append(s.paras, advisor.LiveLayersNote(lw))
	}
	for _, w := range m.Warnings {
		s.paras = append(s.paras, "WARNING: "+w)
	}
	return s
}

func (r *analysis) recSection() section {
	s := section{title: "Recommendations"}
	if r.f == nil {
		s.paras = []string{"No recommendations without a fit."}
		return s
	}
	budget := "no memory budget"
	if r.budget > 0 {
		budget = fmt.Sprintf("%s memory budget of %s", r.budgetWhose, report.HumanBytes(r.budget))
	}
	s.paras = []string{fmt.Sprintf("The fastest settings at context %d under %s ms/token and %s, fastest first; a measurement, where there is one, beats the prediction.",
		r.recContext, fmtNum(r.thresholdMs), budget)}
	t := table{head: []string{"rank", "model", "precision", "batch", "decode ms/token", "tokens/s", "peak memory", "source", "P(interactive)"}}
	for i, rec := range r.recs {
		if i == 15 {
			break
		}
		src := "predicted"
		if rec.Measured {
			src = "measured"
		}
		t.rows = append(t.rows, []string{strconv.Itoa(i + 1), rec.Model, rec.Precision, strconv.Itoa(rec.Batch), fmtMs(rec.MsPerToken),
			fmt.Sprintf("%.0f", rec.TokensPerSec), report.HumanBytes(rec.PeakMemoryBytes), src, fmt.Sprintf("%.0f%%", 100*rec.PInteractive)})
	}
	if len(t.rows) == 0 {
		s.paras = append(s.paras, "No setting is feasible: raise the threshold or the budget.")
		return s
	}
	s.tables = []table{t}
	return s
}

func (r *analysis) shareSection() section {
	s := section{title: "Variance shares per factor",
		paras: []string{"Each factor's unique share of the variance of the target's logarithm over successful runs (a main-effects analysis of variance: how much the residual sum of squares grows when the factor is left out). The residual is interactions and noise."}}
	t := table{head: append([]string{"target"}, append(advisor.Factors, "residual")...)}
	for _, target := range advisor.Targets {
		row := []string{target}
		for _, f := range append(advisor.Factors, "residual") {
			v := "–"
			for _, sh := range r.shares {
				if sh.Target == target && sh.Factor == f {
					v = fmt.Sprintf("%.1f%%", 100*sh.Share)
				}
			}
			row = append(row, v)
		}
		t.rows = append(t.rows, row)
	}
	s.tables = []table{t}
	return s
}

func (r *analysis) exponentSection() section {
	s := section{title: "Scaling exponents",
		paras: []string{"target ∝ factor^exponent, fitted within groups that hold every other factor fixed, with its 95% interval."}}
	t := table{head: []string{"target", "factor", "exponent", "95% interval", "runs", "groups"}}
	for _, e := range r.exponents {
		t.rows = append(t.rows, []string{e.Target, e.Factor, fmt.Sprintf("%.3f", e.Exponent), fmt.Sprintf("[%.3f, %.3f]", e.Low, e.High),
			strconv.Itoa(e.N), strconv.Itoa(e.Groups)})
	}
	if len(t.rows) == 0 {
		s.paras = append(s.paras, "No exponent can be estimated: no two runs differ in context or batch alone.")
		return s
	}
	s.tables = []table{t}
	return s
}

func (r *analysis) corrSection() section {
	s := section{title: "Correlations", paras: []string{"Pearson correlations over successful runs (log of each quantity but the layer count)."}}
	t := table{head: append([]string{""}, advisor.CorrelationVariables...)}
	for i, name := range advisor.CorrelationVariables {
		row := []string{name}
		for j := range advisor.CorrelationVariables {
			if v := r.corr[i][j]; math.IsNaN(v) {
				row = append(row, "–")
			} else {
				row = append(row, fmt.Sprintf("%.2f", v))
			}
		}
		t.rows = append(t.rows, row)
	}
	s.tables = []table{t}
	return s
}

func (r *analysis) oomSection() section {
	s := section{title: "Out-of-memory map"}
	var oom []string
	for _, o := range r.obs {
		if o.Status == advisor.StatusOOM {
			oom = append(oom, fmt.Sprintf("%s %s ctx %d batch %d", o.Model, o.Precision, o.Context, o.Batch))
		}
	}
	s.paras = append(s.paras, fmt.Sprintf("%s ran out of memory%s.", countOf(len(oom), "run"), listTail(oom)))
	if len(r.bounds) == 0 {
		s.paras = append(s.paras, "No boundary without a fit and a memory budget.")
		return s
	}
	s.paras = append(s.paras, fmt.Sprintf("The largest context that fits %s %s at batch 1, per model and precision.", r.budgetWhose, report.HumanBytes(r.budget)))
	t := table{head: []string{"model", "precision", "largest context", "decided by"}}
	for _, b := range r.bounds {
		by := "prediction"
		if b.Measured {
			by = "measurement"
		}
		t.rows = append(t.rows, []string{b.Model, b.Precision, strconv.Itoa(b.MaxContext), by})
	}
	s.tables = []table{t}
	return s
}

func listTail(items []string) string {
	if len(items) == 0 {
		return ""
	}
	if len(items) > 10 {
		items = append(items[:10:10], "…")
	}
	return ": " + strings.Join(items, "; ")
}

const pageStyle = `body{font-family:-apple-system,"Segoe UI","Liberation Sans",Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}img{max-width:100%;border:1px solid #eee;margin:1em 0}
p.warn{color:#a00;font-weight:bold}`

func (r *analysis) writeHTML(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Inferbench report</title><style>%s</style></head><body>\n", pageStyle)
	fmt.Fprintf(&b, "<h1>Inferbench report</h1>\n<p>%s</p>\n", html.EscapeString(r.summary()))
	for _, s := range r.sections() {
		fmt.Fprintf(&b, "<h2>%s</h2>\n", html.EscapeString(s.title))
		for _, p := range s.paras {
			class := ""
			if strings.HasPrefix(p, "WARNING") {
				class = ` class="warn"`
			}
			fmt.Fprintf(&b, "<p%s>%s</p>\n", class, html.EscapeString(p))
		}
		for _, t := range s.tables {
			b.WriteString("<table><tr>")
			for _, h := range t.head {
				fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(h))
			}
			b.WriteString("</tr>\n")
			for _, row := range t.rows {
				b.WriteString("<tr>")
				for _, c := range row {
					fmt.Fprintf(&b, "<td>%s</td>", html.EscapeString(c))
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</table>\n")
		}
		for _, img := range s.images {
			data, err := os.ReadFile(img)
			if err != nil {
				return err
			}
			// Embedded, so that the page is one file that opens anywhere.
			fmt.Fprintf(&b, "<img alt=\"%s\" src=\"data:image/png;base64,%s\">\n", html.EscapeString(filepath.Base(img)), base64.StdEncoding.EncodeToString(data))
		}
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *analysis) writeMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Inferbench report\n\n%s\n", r.summary())
	for _, s := range r.sections() {
		fmt.Fprintf(&b, "\n## %s\n\n", s.title)
		for _, p := range s.paras {
			if strings.HasPrefix(p, "WARNING") {
				p = "**" + p + "**"
			}
			fmt.Fprintf(&b, "%s\n\n", p)
		}
		for _, t := range s.tables {
			b.WriteString("| " + strings.Join(mdCells(t.head), " | ") + " |\n|")
			for range t.head {
				b.WriteString(" --- |")
			}
			b.WriteString("\n")
			for _, row := range t.rows {
				b.WriteString("| " + strings.Join(mdCells(row), " | ") + " |\n")
			}
			b.WriteString("\n")
		}
		for _, img := range s.images {
			rel := filepath.ToSlash(filepath.Join(filepath.Base(r.chartDir), filepath.Base(img)))
			fmt.Fprintf(&b, "![%s](%s)\n\n", strings.TrimSuffix(filepath.Base(img), ".png"), rel)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return out
}
