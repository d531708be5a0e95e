package advisor

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
	"github.com/inferbench/inferbench/advisor/validate"
)

func ptr(x float64) *float64 { return &x }

// alwaysKeys are in every fit's metrics, measured or not.
var alwaysKeys = []string{"decode_model", "interactive_model", "interactive_negative", "interactive_positive",
	"memory_model", "n_configurations", "n_models", "n_runs", "ttft_model", "warnings"}

// TestMetricsJSONKeys holds each figure to the JSON key fit --format json has always printed
// it under, so that the structure of Metrics can change without scripts noticing.
func TestMetricsJSONKeys(t *testing.T) {
	for _, c := range []struct {
		key string
		set func(m *Metrics)
	}{
		{"decode_mape_cv", func(m *Metrics) { m.Decode.MAPE5Fold = ptr(0.1) }},
		{"decode_r2_cv", func(m *Metrics) { m.Decode.R2CV = ptr(0.9) }},
		{"decode_mape_leave_one_model_out", func(m *Metrics) { m.Decode.MAPELOMO = ptr(0.2) }},
		{"interval_coverage_90", func(m *Metrics) { m.Decode.Coverage90 = ptr(0.9) }},
		{"ttft_mape_cv", func(m *Metrics) { m.TTFT.MAPE5Fold = ptr(0.1) }},
		{"ttft_interval_coverage_90", func(m *Metrics) { m.TTFT.Coverage90 = ptr(0.9) }},
		{"memory_mape_leave_one_model_out", func(m *Metrics) { m.Memory.MAPELOMO = ptr(0.05) }},
		{"memory_interval_coverage_90", func(m *Metrics) { m.Memory.Coverage90 = ptr(0.9) }},
		{"decode_mape_cv_baseline", func(m *Metrics) {
			m.Decode.Kinds = map[string]validate.Figures{regress.KindBaseline: {MAPE5Fold: ptr(0.5)}}
		}},
		{"memory_mape_leave_one_model_out_linear", func(m *Metrics) {
			m.Memory.Kinds = map[string]validate.Figures{regress.KindLinear: {MAPELOMO: ptr(0.01)}}
		}},
		{"ttft_mape_cv_dispatch", func(m *Metrics) {
			m.TTFT.Kinds = map[string]validate.Figures{regress.KindDispatch: {MAPE5Fold: ptr(0.12)}}
		}},
		{"interactive_accuracy_cv", func(m *Metrics) { m.Interactive.AccuracyCV = ptr(0.9) }},
		{"interactive_brier_cv", func(m *Metrics) { m.Interactive.BrierCV = ptr(0.05) }},
	} {
		t.Run(c.key, func(t *testing.T) {
			var m Metrics
			c.set(&m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			var flat map[string]any
			if err := json.Unmarshal(b, &flat); err != nil {
				t.Fatal(err)
			}
			want := append(slices.Clone(alwaysKeys), c.key)
			slices.Sort(want)
			if got := sortedKeys(flat); !slices.Equal(got, want) {
				t.Errorf("keys %v, want %v", got, want)
			}
			var back Metrics
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			m.Warnings = []string{} // written as [] when nil
			if !reflect.DeepEqual(back, m) {
				t.Errorf("round trip: %+v, want %+v", back, m)
			}
		})
	}
}

func sortedKeys(m map[string]any) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fullMetrics has every figure set, every kind of every target included.
func fullMetrics() Metrics {
	m := Metrics{NRuns: 1, NModels: 3, Warnings: []string{}}
	for _, t := range physics.Targets {
		tm := m.Target(t)
		*tm = validate.TargetMetrics{Model: regress.KindBaseline, MAPE5Fold: ptr(0.1), R2CV: ptr(0.9), MAPELOMO: ptr(0.2), Coverage90: ptr(0.9),
			Kinds: map[string]validate.Figures{}}
		for _, k := range regress.Kinds(t) {
			tm.Kinds[k] = validate.Figures{MAPE5Fold: ptr(0.3), MAPELOMO: ptr(0.4)}
		}
	}
	c := &m.Interactive
	c.AccuracyCV, c.PrecisionCV, c.RecallCV, c.F1CV, c.AUCCV, c.BrierCV = ptr(1), ptr(1), ptr(1), ptr(1), ptr(1), ptr(0)
	return m
}

// TestMetricsKeysDocumented: docs/advisor.md names every key fit --format json prints, and
// every model kind the keys name is in its table of kinds.
func TestMetricsKeysDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/advisor.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	out, err := json.Marshal(fullMetrics())
	if err != nil {
		t.Fatal(err)
	}
	var flat map[string]any
	if err := json.Unmarshal(out, &flat); err != nil {
		t.Fatal(err)
	}
	family := regexp.MustCompile(`^(decode|ttft|memory)_(mape_cv|mape_leave_one_model_out)_([a-z]+)$`)
	for _, key := range sortedKeys(flat) {
		if strings.Contains(doc, "`"+key+"`") {
			continue
		}
		if f := family.FindStringSubmatch(key); f != nil {
			if !strings.Contains(doc, "`<target>_"+f[2]+"_<kind>`") {
				t.Errorf("docs/advisor.md has neither `%s` nor `<target>_%s_<kind>`", key, f[2])
			}
			if !strings.Contains(doc, "| `"+f[3]+"` |") {
				t.Errorf("docs/advisor.md's table of kinds has no `%s` (from %s)", f[3], key)
			}
			continue
		}
		t.Errorf("docs/advisor.md does not name `%s`", key)
	}
}
