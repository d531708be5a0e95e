package advisor

import (
	"encoding/json"
	"fmt"

	"github.com/inferbench/inferbench/advisor/classify"
	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
	"github.com/inferbench/inferbench/advisor/validate"
)

// Metrics are out-of-sample measures of a fit: every number comes from runs
// the model predicting it was not trained on. MAPEs are fractions (0.1 is
// 10%). A metric that could not be measured — leave-one-model-out with
// fewer than three models, precision with no predicted positives — is nil
// rather than made up.
//
// In JSON (fit --format json, and the fits table) it is one flat object
// whose keys docs/advisor.md lists: decode_mape_cv, interval_coverage_90,
// memory_mape_leave_one_model_out_linear, interactive_auc_cv, …
type Metrics struct {
	NRuns    int
	NConfigs int // configurations: a configuration measured several times is one (combineRepeats)
	NModels  int

	Decode validate.TargetMetrics
	TTFT   validate.TargetMetrics
	Memory validate.TargetMetrics

	Interactive classify.Metrics

	// Warnings say, in words, where the fit should not be trusted: a model
	// no better than the naive baseline, a class too small to judge a
	// classifier by, intervals that do not hold. Never nil, so JSON says [].
	Warnings []string
}

// Target is the metrics of one target.
func (m *Metrics) Target(t physics.Target) *validate.TargetMetrics {
	switch t {
	case physics.Decode:
		return &m.Decode
	case physics.TTFT:
		return &m.TTFT
	default:
		return &m.Memory
	}
}

func (m *Metrics) warn(format string, args ...any) {
	m.Warnings = append(m.Warnings, fmt.Sprintf(format, args...))
}

// coverageKey is the JSON key of a target's 90% interval coverage: decode's
// was the first, and keeps its short name.
func coverageKey(t physics.Target) string {
	if t == physics.Decode {
		return "interval_coverage_90"
	}
	return string(t) + "_interval_coverage_90"
}

// The JSON keys of a target's figures, less the target's name and "_".
const (
	keyModel     = "model"
	keyMAPE5Fold = "mape_cv"
	keyR2        = "r2_cv"
	keyMAPELOMO  = "mape_leave_one_model_out"
)

// interactiveFigures pairs the classifier's figures with their JSON keys.
func (m *Metrics) interactiveFigures() []struct {
	key string
	v   **float64
} {
	c := &m.Interactive
	return []struct {
		key string
		v   **float64
	}{
		{"interactive_accuracy_cv", &c.AccuracyCV}, {"interactive_precision_cv", &c.PrecisionCV},
		{"interactive_recall_cv", &c.RecallCV}, {"interactive_f1_cv", &c.F1CV},
		{"interactive_auc_cv", &c.AUCCV}, {"interactive_brier_cv", &c.BrierCV},
	}
}

// MarshalJSON writes the flat object: a figure that could not be measured
// is left out, as before the metrics had a structure.
func (m Metrics) MarshalJSON() ([]byte, error) {
	out := map[string]any{"n_runs": m.NRuns, "n_configurations": m.NConfigs, "n_models": m.NModels,
		"interactive_positive": m.Interactive.Positive, "interactive_negative": m.Interactive.Negative,
		"interactive_model": m.Interactive.Model, "warnings": m.Warnings}
	if m.Warnings == nil {
		out["warnings"] = []string{}
	}
	put := func(key string, v *float64) {
		if v != nil {
			out[key] = *v
		}
	}
	for _, t := range physics.Targets {
		tm, p := m.Target(t), string(t)+"_"
		out[p+keyModel] = tm.Model
		put(p+keyMAPE5Fold, tm.MAPE5Fold)
		put(p+keyR2, tm.R2CV)
		put(p+keyMAPELOMO, tm.MAPELOMO)
		put(coverageKey(t), tm.Coverage90)
		for kind, f := range tm.Kinds {
			put(p+keyMAPE5Fold+"_"+kind, f.MAPE5Fold)
			put(p+keyMAPELOMO+"_"+kind, f.MAPELOMO)
		}
	}
	for _, f := range m.interactiveFigures() {
		put(f.key, *f.v)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the flat object back.
func (m *Metrics) UnmarshalJSON(b []byte) error {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*m = Metrics{}
	var err error
	get := func(key string, v any) {
		if raw, ok := in[key]; ok && err == nil && string(raw) != "null" {
			if e := json.Unmarshal(raw, v); e != nil {
				err = fmt.Errorf("metrics %s: %w", key, e)
			}
		}
	}
	num := func(key string) *float64 {
		raw, ok := in[key]
		if !ok || string(raw) == "null" {
			return nil
		}
		var v float64
		get(key, &v)
		return &v
	}
	get("n_runs", &m.NRuns)
	get("n_configurations", &m.NConfigs)
	get("n_models", &m.NModels)
	get("warnings", &m.Warnings)
	get("interactive_model", &m.Interactive.Model)
	get("interactive_positive", &m.Interactive.Positive)
	get("interactive_negative", &m.Interactive.Negative)
	for _, f := range m.interactiveFigures() {
		*f.v = num(f.key)
	}
	for _, t := range physics.Targets {
		tm, p := m.Target(t), string(t)+"_"
		get(p+keyModel, &tm.Model)
		tm.MAPE5Fold, tm.R2CV, tm.MAPELOMO, tm.Coverage90 = num(p+keyMAPE5Fold), num(p+keyR2), num(p+keyMAPELOMO), num(coverageKey(t))
		for _, kind := range regress.Kinds(t) {
			f := validate.Figures{MAPE5Fold: num(p + keyMAPE5Fold + "_" + kind), MAPELOMO: num(p + keyMAPELOMO + "_" + kind)}
			if f.MAPE5Fold == nil && f.MAPELOMO == nil {
				continue
			}
			if tm.Kinds == nil {
				tm.Kinds = map[string]validate.Figures{}
			}
			tm.Kinds[kind] = f
		}
	}
	return err
}
