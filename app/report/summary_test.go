package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

func summaryRun(reps, processes int, stability string) storage.Run {
	tps, ci, ms, p95, prefill := 8.9, 0.7, 108.11, 137.27, 14.4
	peak := int64(526e6)
	return storage.Run{Model: "gpt2", Precision: "fp32", Context: 128, Generate: 32, Batch: 1, Repeats: reps, Processes: processes,
		Status: storage.StatusOK, Stability: stability, DecodeTokensPerSec: &tps, DecodeTokensPerSecCI95: &ci,
		DecodeMsPerToken: &ms, DecodeMsPerTokenP95: &p95, PrefillTokensPerSec: &prefill, PeakMemoryBytes: &peak}
}

// The summary shows each column with the statistic it says, and marks what a reader should not
// take at face value: an interval from one process or too few repetitions, an unstable run.
func TestWriteSummary(t *testing.T) {
	tests := []struct {
		name  string
		run   storage.Run
		wants []string
	}{
		{"one process", summaryRun(5, 1, engine.StabilityStable), []string{"8.90", "0.70" + markOneProcess, "108.11", "137.27", "14.4", "526.0 MB", "within one worker process"}},
		{"three processes", summaryRun(6, 3, engine.StabilityStable), []string{"0.70 ", "6/3p"}},
		{"two repetitions", summaryRun(2, 1, ""), []string{"0.70" + markFewReps, "fewer than 3 repetitions"}},
		{"unstable", summaryRun(5, 1, engine.StabilityShift), []string{"ok, unstable"}},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := WriteSummary(&b, []storage.Run{tt.run}, false); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, w := range append(tt.wants, "PREFILL T/S", "DECODE T/S", "MS/TOKEN P50", SummaryStatistic) {
			if !strings.Contains(out, w) {
				t.Errorf("%s: summary lacks %q:\n%s", tt.name, w, out)
			}
		}
		if tt.run.Processes > 1 && strings.Contains(out, "within one worker process") {
			t.Errorf("%s: an interval over processes is marked as from one:\n%s", tt.name, out)
		}
	}
}

// A text column without a value is null in json, as docs/data.md promises, not "".
func TestJSONEmptyTextIsNull(t *testing.T) {
	var b bytes.Buffer
	r := summaryRun(5, 1, "")
	if err := WriteRuns(&b, "json", []storage.Run{r}, false); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"error":null`, `"stability":null`, `"decode_bound":null`} {
		if !strings.Contains(strings.ReplaceAll(b.String(), " ", ""), w) {
			t.Errorf("json lacks %s: %s", w, b.String())
		}
	}
}

// The run table says when its interval comes from too few repetitions to mean much.
func TestRunTableFewRepetitions(t *testing.T) {
	r := summaryRun(2, 1, "")
	r.Samples = make([]storage.Sample, 2)
	var b bytes.Buffer
	WriteRunTable(&b, &r, "runs.db")
	if !strings.Contains(b.String(), "from 2 repetitions: too wide to compare by") {
		t.Errorf("no caveat for an interval from 2 repetitions:\n%s", b.String())
	}
}
