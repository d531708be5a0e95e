// Package report writes runs for people and programs: the table `inferbench run` prints, and
// json, jsonl, csv and md with the columns Column defines.
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

	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// Formats a run can be printed in.
var runFormats = []string{"table", "json", "csv", "md"}

// RunFormats lists the formats run and runs print: the one list their help and checks read.
func RunFormats() []string { return slices.Clone(runFormats) }

// WriteRuns prints runs in a machine-readable format: json (one object per run, an array when
// more than one is asked for), csv (RFC 4180 with a header) or md (a Markdown table).
func WriteRuns(w io.Writer, format string, runs []storage.Run, array bool) error {
	return WriteRows(w, format, RunColumns(), runs, RowOptions{Array: array})
}

// RowOptions adjust how WriteRows prints.
type RowOptions struct {
	Array bool // json: an array even for one row
}

// WriteRows prints rows as json (objects, in an array when opt.Array), jsonl (one object per
// line), csv (RFC 4180 with a header, formula-like cells escaped), md (a Markdown table) or parquet
// (WriteParquet).
func WriteRows[T any](w io.Writer, format string, cols []Column[T], rows []T, opt RowOptions) error {
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
		// Every CSV is spreadsheet-safe: worker text (a device name, an error) that a
		// spreadsheet would run as a formula is escaped, whichever command writes it.
		text := SafeCell
		cw := csv.NewWriter(w)
		cw.Write(columnNames(cols))
		for k := range rows {
			row := make([]string, len(cols))
			for j, c := range cols {
				row[j] = text(c.Value(&rows[k]))
			}
			cw.Write(row)
		}
		cw.Flush()
		return cw.Error()
	case "parquet":
		return WriteParquet(w, cols, rows)
	case "md":
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(columnNames(cols), " | "), strings.Repeat(" --- |", len(cols)))
		for k := range rows {
			cells := make([]string, len(cols))
			for j, c := range cols {
				cells[j] = strings.ReplaceAll(strings.ReplaceAll(cell(c.Value(&rows[k])), "|", `\|`), "\n", " ")
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		}
		return nil
	}
	return fmt.Errorf("format %q has no writer", format)
}

func columnNames[T any](cols []Column[T]) []string {
	names := make([]string, len(cols))
	for k, c := range cols {
		names[k] = c.Name
	}
	return names
}

// writeJSONObject writes one row as a JSON object with keys in column order.
func writeJSONObject[T any](buf *bytes.Buffer, cols []Column[T], row *T) error {
	buf.WriteString("{")
	for k, c := range cols {
		if k > 0 {
			buf.WriteString(",")
		}
		key, _ := json.Marshal(c.Name)
		val, err := json.Marshal(c.Value(row))
		if err != nil {
			return fmt.Errorf("encode %s: %w", c.Name, err)
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
	row(Label("status"), r.Status)
	if r.Error != "" {
		row(Label("error"), strings.ReplaceAll(r.Error, "\n", "\n  "))
	}
	weights := r.Weights
	if r.Params > 0 {
		weights = fmt.Sprintf("%s, %s parameters, %s in memory", r.Weights, HumanCount(r.Params), HumanBytes(r.WeightBytes))
	}
	row(Label("weights"), weights)
	row(Label("backend"), fmt.Sprintf("%s (%s), mlx %s, mlx-lm %s, Python %s", r.Backend, r.Device, r.MLXVersion, r.MLXLMVersion, r.PythonVersion))
	if r.Status == storage.StatusOK {
		reps := fmt.Sprintf("%d after %d warm-up", len(r.Samples), r.Warmup)
		if r.Processes > 1 {
			reps = fmt.Sprintf("%d over %d processes, each after %d warm-up", len(r.Samples), r.Processes, r.Warmup)
		}
		if r.Stability == engine.StabilityShift {
			reps += "; unstable: the repetitions stepped between two levels"
		}
		row("repetitions", reps)
		row(Label("ttft_ms"), ms(r.TTFTMs)+" (median)")
		row(Label("prefill_tokens_per_sec"), rate(r.PrefillTokensPerSec))
		decode := ms(r.DecodeMsPerToken) + " per token (median"
		if r.DecodeMsPerTokenP95 != nil {
			decode += ", p95 " + ms(r.DecodeMsPerTokenP95)
		}
		row(Label("decode_ms_per_token"), decode+")")
		tps := rate(r.DecodeTokensPerSec)
		if r.DecodeTokensPerSecCI95 != nil {
			if len(r.Samples) < MinIntervalReps {
				tps += fmt.Sprintf(" ± %.1f (95%%, from %d repetitions: too wide to compare by; use --repeats 5)", *r.DecodeTokensPerSecCI95, len(r.Samples))
			} else if r.DecodeCIBasis == engine.BasisHistory {
				tps += fmt.Sprintf(" ± %.1f (95%%, where a rerun lands: with the spread between processes of earlier runs on this machine, %d degrees of freedom)", *r.DecodeTokensPerSecCI95, r.DecodeCIDOF)
			} else if r.Processes > 1 {
				tps += fmt.Sprintf(" ± %.1f (95%%, where a rerun lands)", *r.DecodeTokensPerSecCI95)
			} else {
				tps += fmt.Sprintf(" ± %.1f (95%%, within one process; reruns spread more: --processes 3)", *r.DecodeTokensPerSecCI95)
			}
		}
		row(Label("decode_tokens_per_sec"), tps)
		if r.AchievedBandwidthGBs != nil {
			bw := fmt.Sprintf("%.1f GB/s achieved", *r.AchievedBandwidthGBs)
			if r.BandwidthShare != nil {
				bw += fmt.Sprintf(", %.1f%% of %s GB/s peak: %s-bound", 100**r.BandwidthShare, strconv.FormatFloat(*r.PeakBandwidthGBs, 'g', 3, 64), r.DecodeBound)
			}
			row(Label("achieved_bandwidth_gbs"), bw)
		}
		if r.PeakMemoryBytes != nil {
			row(Label("peak_memory_bytes"), HumanBytes(*r.PeakMemoryBytes))
		}
		if r.JoulesPerToken != nil {
			e := fmt.Sprintf("%.4g J per token, %.4g J in all (%s)", *r.JoulesPerToken, *r.EnergyJ, r.PowerSourceMeter)
			if r.DecodeWatts != nil {
				e += fmt.Sprintf("; %.1f W in decode", *r.DecodeWatts)
			}
			row(Label("energy_j"), e)
		}
		if r.Throttled {
			row("clocks", "throttled: a clock fell more than 10% below its start (left out of fitting)")
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
