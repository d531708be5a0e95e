package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/storage"
)

// column is one field of a row as the command line prints it; one list per kind of row drives
// every format, so json, jsonl, csv and md never disagree on names or order.
type column[T any] struct {
	name  string
	value func(*T) any // nil for "no value"
}

func RunColumns() []column[storage.Run] {
	f := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	i := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return []column[storage.Run]{
		{"run_id", func(r *storage.Run) any { return r.ID }},
		{"created_at", func(r *storage.Run) any { return r.CreatedAt.UTC().Format(time.RFC3339) }},
		{"model", func(r *storage.Run) any { return r.Model }},
		{"model_source", func(r *storage.Run) any { return r.ModelSource }},
		{"architecture", func(r *storage.Run) any { return r.Architecture }},
		{"weights", func(r *storage.Run) any { return r.Weights }},
		{"params", func(r *storage.Run) any { return r.Params }},
		{"weight_bytes", func(r *storage.Run) any { return r.WeightBytes }},
		{"precision", func(r *storage.Run) any { return r.Precision }},
		{"context", func(r *storage.Run) any { return r.Context }},
		{"generate", func(r *storage.Run) any { return r.Generate }},
		{"batch", func(r *storage.Run) any { return r.Batch }},
		{"warmup", func(r *storage.Run) any { return r.Warmup }},
		{"repeats", func(r *storage.Run) any { return r.Repeats }},
		{"status", func(r *storage.Run) any { return r.Status }},
		{"error", func(r *storage.Run) any { return r.Error }},
		{"backend", func(r *storage.Run) any { return r.Backend }},
		{"device", func(r *storage.Run) any { return r.Device }},
		{"mlx_version", func(r *storage.Run) any { return r.MLXVersion }},
		{"mlx_lm_version", func(r *storage.Run) any { return r.MLXLMVersion }},
		{"python_version", func(r *storage.Run) any { return r.PythonVersion }},
		{"ttft_ms", func(r *storage.Run) any { return f(r.TTFTMs) }},
		{"prefill_tokens_per_sec", func(r *storage.Run) any { return f(r.PrefillTokensPerSec) }},
		{"decode_ms_per_token", func(r *storage.Run) any { return f(r.DecodeMsPerToken) }},
		{"decode_ms_per_token_mean", func(r *storage.Run) any { return f(r.DecodeMsPerTokenMean) }},
		{"decode_ms_per_token_std", func(r *storage.Run) any { return f(r.DecodeMsPerTokenStd) }},
		{"decode_ms_per_token_p95", func(r *storage.Run) any { return f(r.DecodeMsPerTokenP95) }},
		{"decode_tokens_per_sec", func(r *storage.Run) any { return f(r.DecodeTokensPerSec) }},
		{"decode_tokens_per_sec_ci95", func(r *storage.Run) any { return f(r.DecodeTokensPerSecCI95) }},
		{"peak_memory_bytes", func(r *storage.Run) any { return i(r.PeakMemoryBytes) }},
		{"rss_bytes", func(r *storage.Run) any { return i(r.RSSBytes) }},
		{"thermal_state", func(r *storage.Run) any { return r.ThermalWorst }},
		{"power_source", func(r *storage.Run) any { return r.PowerSource }},
		{"low_power", func(r *storage.Run) any { return r.LowPower }},
		{"duration_ms", func(r *storage.Run) any { return r.DurationMs }},
	}
}

// SampleRow is one repetition of a run, as export --samples prints it.
type SampleRow struct {
	Run    *storage.Run
	Sample *storage.Sample
}

// sampleRunColumns are the run columns repeated on every sample row: what identifies the run and
// its configuration, without the run's aggregates, which would read as this repetition's.
var sampleRunColumns = []string{"run_id", "created_at", "model", "weights", "precision", "context",
	"generate", "batch", "status", "backend", "device"}

func SampleColumns() []column[SampleRow] {
	var cols []column[SampleRow]
	runCols := RunColumns()
	for _, name := range sampleRunColumns {
		i := slices.IndexFunc(runCols, func(c column[storage.Run]) bool { return c.name == name })
		if i < 0 {
			panic("sampleRunColumns names " + name + ", which RunColumns lacks")
		}
		value := runCols[i].value
		cols = append(cols, column[SampleRow]{name, func(r *SampleRow) any { return value(r.Run) }})
	}
	return append(cols, []column[SampleRow]{
		{"rep", func(r *SampleRow) any { return r.Sample.Rep }},
		{"ttft_ms", func(r *SampleRow) any { return r.Sample.TTFTMs }},
		{"prefill_tokens_per_sec", func(r *SampleRow) any { return r.Sample.PrefillTokensPerSec }},
		{"decode_ms", func(r *SampleRow) any { return r.Sample.DecodeMs }},
		{"decode_tokens_per_sec", func(r *SampleRow) any {
			if r.Sample.DecodeTokensPerSec == nil {
				return nil
			}
			return *r.Sample.DecodeTokensPerSec
		}},
		{"peak_memory_bytes", func(r *SampleRow) any { return r.Sample.PeakMemoryBytes }},
		{"rss_bytes", func(r *SampleRow) any { return r.Sample.RSSBytes }},
		{"token_latencies_ms", func(r *SampleRow) any {
			if r.Sample.TokenLatenciesMs == nil {
				return []float64{} // generate 1 has no latencies: an empty list, not null
			}
			return r.Sample.TokenLatenciesMs
		}},
	}...)
}

// Formats a run can be printed in.
var runFormats = []string{"table", "json", "csv", "md"}

func CheckFormat(format string) error {
	for _, f := range runFormats {
		if f == format {
			return nil
		}
	}
	return fmt.Errorf("--format %q: choose one of %s", format, strings.Join(runFormats, ", "))
}

// WriteRuns prints runs in a machine-readable format: json (one object per run, an array when
// more than one is asked for), csv (RFC 4180 with a header) or md (a Markdown table).
func WriteRuns(w io.Writer, format string, runs []storage.Run, array bool) error {
	return WriteRows(w, format, RunColumns(), runs, RowOptions{Array: array})
}

// RowOptions adjust how WriteRows prints.
type RowOptions struct {
	Array   bool // json: an array even for one row
	SafeCSV bool // csv: escape text cells a spreadsheet would read as a formula
}

// WriteRows prints rows as json (objects, in an array when opt.Array), jsonl (one object per
// line), csv (RFC 4180 with a header) or md (a Markdown table).
func WriteRows[T any](w io.Writer, format string, cols []column[T], rows []T, opt RowOptions) error {
	switch format {
	case "json", "jsonl":
		var buf bytes.Buffer
		sep, end := ",", ""
		if format == "jsonl" {
			sep, end = "\n", "\n"
		} else if opt.Array {
			buf.WriteString("[")
			end = "]"
		}
		for k := range rows {
			if k > 0 {
				buf.WriteString(sep)
			}
			if err := writeJSONObject(&buf, cols, &rows[k]); err != nil {
				return err
			}
		}
		buf.WriteString(end)
		if format == "json" {
			buf.WriteString("\n")
		} else if len(rows) == 0 {
			buf.Reset() // no rows is an empty file, not a blank line
		}
		_, err := w.Write(buf.Bytes())
		return err
	case "csv":
		text := cell
		if opt.SafeCSV {
			text = SafeCell
		}
		cw := csv.NewWriter(w)
		cw.Write(columnNames(cols))
		for k := range rows {
			row := make([]string, len(cols))
			for j, c := range cols {
				row[j] = text(c.value(&rows[k]))
			}
			cw.Write(row)
		}
		cw.Flush()
		return cw.Error()
	case "md":
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(columnNames(cols), " | "), strings.Repeat(" --- |", len(cols)))
		for k := range rows {
			cells := make([]string, len(cols))
			for j, c := range cols {
				cells[j] = strings.ReplaceAll(strings.ReplaceAll(cell(c.value(&rows[k])), "|", `\|`), "\n", " ")
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		}
		return nil
	}
	return fmt.Errorf("format %q has no writer", format)
}

func columnNames[T any](cols []column[T]) []string {
	names := make([]string, len(cols))
	for k, c := range cols {
		names[k] = c.name
	}
	return names
}

// writeJSONObject writes one row as a JSON object with keys in column order.
func writeJSONObject[T any](buf *bytes.Buffer, cols []column[T], row *T) error {
	buf.WriteString("{")
	for k, c := range cols {
		if k > 0 {
			buf.WriteString(",")
		}
		key, _ := json.Marshal(c.name)
		val, err := json.Marshal(c.value(row))
		if err != nil {
			return fmt.Errorf("encode %s: %w", c.name, err)
		}
		buf.Write(key)
		buf.WriteString(":")
		buf.Write(val)
	}
	buf.WriteString("}")
	return nil
}

// cell renders a value for csv and md: empty for no value, full precision for numbers, and a
// list of numbers as JSON array text.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []float64:
		if x == nil {
			return "[]"
		}
		b, _ := json.Marshal(x)
		return string(b)
	default:
		return fmt.Sprint(x)
	}
}

// SafeCell is cell for a CSV file meant to be opened in a spreadsheet. Text starting with a
// character that makes Excel, LibreOffice or Google Sheets evaluate the cell as a formula gets
// a leading single quote, as OWASP advises against CSV injection (a stored error message is
// worker output, not something inferbench controls). Numbers are left alone: a negative number
// must stay a number.
func SafeCell(v any) string {
	s := cell(v)
	if _, text := v.(string); text && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteRunTable prints one run for a person.
func WriteRunTable(w io.Writer, r *storage.Run, dbPath string) {
	ms := func(p *float64) string {
		if p == nil {
			return "–"
		}
		return fmt.Sprintf("%.2f ms", *p)
	}
	rate := func(p *float64) string {
		if p == nil {
			return "–"
		}
		return fmt.Sprintf("%.1f tokens/s", *p)
	}
	fmt.Fprintf(w, "Run %d: %s, %s, context %d, generate %d, batch %d\n", r.ID, r.Model, r.Precision, r.Context, r.Generate, r.Batch)
	row := func(k, v string) { fmt.Fprintf(w, "  %-22s %s\n", k, v) }
	row("status", r.Status)
	if r.Error != "" {
		row("error", strings.ReplaceAll(r.Error, "\n", "\n  "))
	}
	weights := r.Weights
	if r.Params > 0 {
		weights = fmt.Sprintf("%s, %s parameters, %s in memory", r.Weights, HumanCount(r.Params), HumanBytes(r.WeightBytes))
	}
	row("weights", weights)
	row("backend", fmt.Sprintf("%s (%s), mlx %s, mlx-lm %s, Python %s", r.Backend, r.Device, r.MLXVersion, r.MLXLMVersion, r.PythonVersion))
	if r.Status == storage.StatusOK {
		row("repetitions", fmt.Sprintf("%d after %d warm-up", len(r.Samples), r.Warmup))
		row("time to first token", ms(r.TTFTMs)+" (median)")
		row("prefill", rate(r.PrefillTokensPerSec))
		decode := ms(r.DecodeMsPerToken) + " per token (median"
		if r.DecodeMsPerTokenP95 != nil {
			decode += ", p95 " + ms(r.DecodeMsPerTokenP95)
		}
		row("decode", decode+")")
		tps := rate(r.DecodeTokensPerSec)
		if r.DecodeTokensPerSecCI95 != nil {
			tps += fmt.Sprintf(" ± %.1f (95%% CI)", *r.DecodeTokensPerSecCI95)
		}
		row("decode throughput", tps)
		if r.PeakMemoryBytes != nil {
			row("peak memory", HumanBytes(*r.PeakMemoryBytes))
		}
	}
	row("stored in", dbPath)
}

func HumanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

func HumanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return strconv.FormatInt(n, 10)
}
