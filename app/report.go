package app

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

	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// column is one field of a row as the command line prints it; one list per kind of row drives
// every format, so json, jsonl, csv and md never disagree on names or order.
type column[T any] struct {
	name  string
	value func(*T) any // nil for "no value"
}

func runColumns() []column[storage.Run] {
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
		{"processes", func(r *storage.Run) any { return r.Processes }},
		{"stability", func(r *storage.Run) any { return r.Stability }},
		{"prefill_ms", func(r *storage.Run) any { return f(r.PrefillMs) }},
		{"layers", func(r *storage.Run) any { return i(r.Layers) }},
		{"kv_bytes_per_token", func(r *storage.Run) any { return i(r.KVBytesPerToken) }},
		{"decode_bytes_per_step", func(r *storage.Run) any { return i(r.DecodeBytesPerStep) }},
		{"achieved_bandwidth_gbs", func(r *storage.Run) any { return f(r.AchievedBandwidthGBs) }},
		{"peak_bandwidth_gbs", func(r *storage.Run) any { return f(r.PeakBandwidthGBs) }},
		{"bandwidth_share", func(r *storage.Run) any { return f(r.BandwidthShare) }},
		{"decode_bound", func(r *storage.Run) any { return r.DecodeBound }},
	}
}

// sampleRow is one repetition of a run, as export --samples prints it.
type sampleRow struct {
	run    *storage.Run
	sample *storage.Sample
}

// sampleRunColumns are the run columns repeated on every sample row: what identifies the run and
// its configuration, without the run's aggregates, which would read as this repetition's.
var sampleRunColumns = []string{"run_id", "created_at", "model", "weights", "precision", "context",
	"generate", "batch", "status", "backend", "device"}

func sampleColumns() []column[sampleRow] {
	var cols []column[sampleRow]
	runCols := runColumns()
	for _, name := range sampleRunColumns {
		i := slices.IndexFunc(runCols, func(c column[storage.Run]) bool { return c.name == name })
		if i < 0 {
			panic("sampleRunColumns names " + name + ", which runColumns lacks")
		}
		value := runCols[i].value
		cols = append(cols, column[sampleRow]{name, func(r *sampleRow) any { return value(r.run) }})
	}
	return append(cols, []column[sampleRow]{
		{"rep", func(r *sampleRow) any { return r.sample.Rep }},
		{"ttft_ms", func(r *sampleRow) any { return r.sample.TTFTMs }},
		{"prefill_tokens_per_sec", func(r *sampleRow) any { return r.sample.PrefillTokensPerSec }},
		{"decode_ms", func(r *sampleRow) any { return r.sample.DecodeMs }},
		{"decode_tokens_per_sec", func(r *sampleRow) any {
			if r.sample.DecodeTokensPerSec == nil {
				return nil
			}
			return *r.sample.DecodeTokensPerSec
		}},
		{"peak_memory_bytes", func(r *sampleRow) any { return r.sample.PeakMemoryBytes }},
		{"rss_bytes", func(r *sampleRow) any { return r.sample.RSSBytes }},
		{"token_latencies_ms", func(r *sampleRow) any {
			if r.sample.TokenLatenciesMs == nil {
				return []float64{} // generate 1 has no latencies: an empty list, not null
			}
			return r.sample.TokenLatenciesMs
		}},
	}...)
}

// Formats a run can be printed in.
var runFormats = []string{"table", "json", "csv", "md"}

func checkFormat(format string) error {
	for _, f := range runFormats {
		if f == format {
			return nil
		}
	}
	return usageError(fmt.Errorf("--format %q: choose one of %s", format, strings.Join(runFormats, ", ")))
}

// writeRuns prints runs in a machine-readable format: json (one object per run, an array when
// more than one is asked for), csv (RFC 4180 with a header) or md (a Markdown table).
func writeRuns(w io.Writer, format string, runs []storage.Run, array bool) error {
	return writeRows(w, format, runColumns(), runs, rowOptions{array: array})
}

// rowOptions adjust how writeRows prints.
type rowOptions struct {
	array   bool // json: an array even for one row
	safeCSV bool // csv: escape text cells a spreadsheet would read as a formula
}

// writeRows prints rows as json (objects, in an array when opt.array), jsonl (one object per
// line), csv (RFC 4180 with a header) or md (a Markdown table).
func writeRows[T any](w io.Writer, format string, cols []column[T], rows []T, opt rowOptions) error {
	switch format {
	case "json", "jsonl":
		var buf bytes.Buffer
		sep, end := ",", ""
		if format == "jsonl" {
			sep, end = "\n", "\n"
		} else if opt.array {
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
		if opt.safeCSV {
			text = safeCell
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

// safeCell is cell for a CSV file meant to be opened in a spreadsheet. Text starting with a
// character that makes Excel, LibreOffice or Google Sheets evaluate the cell as a formula gets
// a leading single quote, as OWASP advises against CSV injection (a stored error message is
// worker output, not something inferbench controls). Numbers are left alone: a negative number
// must stay a number.
func safeCell(v any) string {
	s := cell(v)
	if _, text := v.(string); text && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeRunTable prints one run for a person.
func writeRunTable(w io.Writer, r *storage.Run, dbPath string) {
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
		row("error", indentRest(r.Error))
	}
	weights := r.Weights
	if r.Params > 0 {
		weights = fmt.Sprintf("%s, %s parameters, %s in memory", r.Weights, humanCount(r.Params), humanBytes(r.WeightBytes))
	}
	row("weights", weights)
	row("backend", fmt.Sprintf("%s (%s), mlx %s, mlx-lm %s, Python %s", r.Backend, r.Device, r.MLXVersion, r.MLXLMVersion, r.PythonVersion))
	if r.Status == storage.StatusOK {
		reps := fmt.Sprintf("%d after %d warm-up", len(r.Samples), r.Warmup)
		if r.Processes > 1 {
			reps = fmt.Sprintf("%d over %d processes, each after %d warm-up", len(r.Samples), r.Processes, r.Warmup)
		}
		if r.Stability == engine.StabilityShift {
			reps += "; unstable: the repetitions stepped between two levels"
		}
		row("repetitions", reps)
		row("time to first token", ms(r.TTFTMs)+" (median)")
		row("prefill", rate(r.PrefillTokensPerSec))
		decode := ms(r.DecodeMsPerToken) + " per token (median"
		if r.DecodeMsPerTokenP95 != nil {
			decode += ", p95 " + ms(r.DecodeMsPerTokenP95)
		}
		row("decode", decode+")")
		tps := rate(r.DecodeTokensPerSec)
		if r.DecodeTokensPerSecCI95 != nil {
			if r.Processes > 1 {
				tps += fmt.Sprintf(" ± %.1f (95%%, where a rerun lands)", *r.DecodeTokensPerSecCI95)
			} else {
				tps += fmt.Sprintf(" ± %.1f (95%%, within one process; reruns spread more: --processes 3)", *r.DecodeTokensPerSecCI95)
			}
		}
		row("decode throughput", tps)
		if r.AchievedBandwidthGBs != nil {
			bw := fmt.Sprintf("%.1f GB/s achieved", *r.AchievedBandwidthGBs)
			if r.BandwidthShare != nil {
				bw += fmt.Sprintf(", %.1f%% of %.0f GB/s peak: %s-bound", 100**r.BandwidthShare, *r.PeakBandwidthGBs, r.DecodeBound)
			}
			row("memory bandwidth", bw)
		}
		if r.PeakMemoryBytes != nil {
			row("peak memory", humanBytes(*r.PeakMemoryBytes))
		}
	}
	row("stored in", dbPath)
}

func humanBytes(n int64) string {
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

func humanCount(n int64) string {
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
