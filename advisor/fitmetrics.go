package advisor

import (
	"fmt"
	"math"
)

// Metrics are out-of-sample measures of a fit: every number comes from runs
// the model predicting it was not trained on. MAPEs are fractions (0.1 is
// 10%). A metric that could not be measured — leave-one-model-out with
// fewer than three models, precision with no predicted positives — is
// absent rather than made up.
type Metrics struct {
	NRuns   int `json:"n_runs"`
	NModels int `json:"n_models"`

	DecodeMAPECV *float64 `json:"decode_mape_cv,omitempty"`
	DecodeR2CV   *float64 `json:"decode_r2_cv,omitempty"`
	TTFTMAPECV   *float64 `json:"ttft_mape_cv,omitempty"`
	TTFTR2CV     *float64 `json:"ttft_r2_cv,omitempty"`
	MemoryMAPECV *float64 `json:"memory_mape_cv,omitempty"`
	MemoryR2CV   *float64 `json:"memory_r2_cv,omitempty"`

	DecodeMAPELOMO *float64 `json:"decode_mape_leave_one_model_out,omitempty"`
	TTFTMAPELOMO   *float64 `json:"ttft_mape_leave_one_model_out,omitempty"`
	MemoryMAPELOMO *float64 `json:"memory_mape_leave_one_model_out,omitempty"`

	// The share of held-out runs (5-fold) inside their 90% prediction
	// interval: near 0.90 when the intervals can be trusted.
	IntervalCoverage90       *float64 `json:"interval_coverage_90,omitempty"` // decode
	TTFTIntervalCoverage90   *float64 `json:"ttft_interval_coverage_90,omitempty"`
	MemoryIntervalCoverage90 *float64 `json:"memory_interval_coverage_90,omitempty"`

	InteractiveAccuracyCV  *float64 `json:"interactive_accuracy_cv,omitempty"`
	InteractivePrecisionCV *float64 `json:"interactive_precision_cv,omitempty"`
	InteractiveRecallCV    *float64 `json:"interactive_recall_cv,omitempty"`
	InteractiveF1CV        *float64 `json:"interactive_f1_cv,omitempty"`
	InteractiveAUCCV       *float64 `json:"interactive_auc_cv,omitempty"`
	InteractiveBrierCV     *float64 `json:"interactive_brier_cv,omitempty"`
	// The class balance: without it an accuracy cannot be judged (95% is
	// nothing when 95% of runs are interactive).
	InteractivePositive int `json:"interactive_positive"`
	InteractiveNegative int `json:"interactive_negative"`

	// Every kind's cross-validated MAPE, the chosen one's included.
	DecodeMAPECVBaseline *float64 `json:"decode_mape_cv_baseline,omitempty"`
	DecodeMAPECVRoofline *float64 `json:"decode_mape_cv_roofline,omitempty"`
	DecodeMAPECVOverhead *float64 `json:"decode_mape_cv_overhead,omitempty"`
	DecodeMAPECVDispatch *float64 `json:"decode_mape_cv_dispatch,omitempty"`
	DecodeMAPECVRidge    *float64 `json:"decode_mape_cv_ridge,omitempty"`
	TTFTMAPECVBaseline   *float64 `json:"ttft_mape_cv_baseline,omitempty"`
	TTFTMAPECVRoofline   *float64 `json:"ttft_mape_cv_roofline,omitempty"`
	TTFTMAPECVOverhead   *float64 `json:"ttft_mape_cv_overhead,omitempty"`
	TTFTMAPECVDispatch   *float64 `json:"ttft_mape_cv_dispatch,omitempty"`
	TTFTMAPECVRidge      *float64 `json:"ttft_mape_cv_ridge,omitempty"`
	MemoryMAPECVBaseline *float64 `json:"memory_mape_cv_baseline,omitempty"`
	MemoryMAPECVRoofline *float64 `json:"memory_mape_cv_roofline,omitempty"`
	MemoryMAPECVLinear   *float64 `json:"memory_mape_cv_linear,omitempty"`
	MemoryMAPECVOverhead *float64 `json:"memory_mape_cv_overhead,omitempty"`
	MemoryMAPECVRidge    *float64 `json:"memory_mape_cv_ridge,omitempty"`

	// And every kind's leave-one-model-out MAPE.
	DecodeMAPELOMOBaseline *float64 `json:"decode_mape_leave_one_model_out_baseline,omitempty"`
	DecodeMAPELOMORoofline *float64 `json:"decode_mape_leave_one_model_out_roofline,omitempty"`
	DecodeMAPELOMOOverhead *float64 `json:"decode_mape_leave_one_model_out_overhead,omitempty"`
	DecodeMAPELOMODispatch *float64 `json:"decode_mape_leave_one_model_out_dispatch,omitempty"`
	DecodeMAPELOMORidge    *float64 `json:"decode_mape_leave_one_model_out_ridge,omitempty"`
	TTFTMAPELOMOBaseline   *float64 `json:"ttft_mape_leave_one_model_out_baseline,omitempty"`
	TTFTMAPELOMORoofline   *float64 `json:"ttft_mape_leave_one_model_out_roofline,omitempty"`
	TTFTMAPELOMOOverhead   *float64 `json:"ttft_mape_leave_one_model_out_overhead,omitempty"`
	TTFTMAPELOMODispatch   *float64 `json:"ttft_mape_leave_one_model_out_dispatch,omitempty"`
	TTFTMAPELOMORidge      *float64 `json:"ttft_mape_leave_one_model_out_ridge,omitempty"`
	MemoryMAPELOMOBaseline *float64 `json:"memory_mape_leave_one_model_out_baseline,omitempty"`
	MemoryMAPELOMORoofline *float64 `json:"memory_mape_leave_one_model_out_roofline,omitempty"`
	MemoryMAPELOMOLinear   *float64 `json:"memory_mape_leave_one_model_out_linear,omitempty"`
	MemoryMAPELOMOOverhead *float64 `json:"memory_mape_leave_one_model_out_overhead,omitempty"`
	MemoryMAPELOMORidge    *float64 `json:"memory_mape_leave_one_model_out_ridge,omitempty"`

	// The kind chosen for each target, and the classifier's.
	DecodeModel      string `json:"decode_model"`
	TTFTModel        string `json:"ttft_model"`
	MemoryModel      string `json:"memory_model"`
	InteractiveModel string `json:"interactive_model"`

	// Warnings say, in words, where the fit should not be trusted: a model
	// no better than the naive baseline, a class too small to judge a
	// classifier by, intervals that do not hold. Never nil, so JSON says [].
	Warnings []string `json:"warnings"`
}

// num is nil for a value that could not be measured, so JSON never sees a NaN.
func num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func (m *Metrics) setTarget(t target, ev evaluation) {
	var mape, r2, lomo, cover **float64
	var model *string
	var cv, lo map[string]**float64
	switch t {
	case targetDecode:
		mape, r2, lomo, cover, model = &m.DecodeMAPECV, &m.DecodeR2CV, &m.DecodeMAPELOMO, &m.IntervalCoverage90, &m.DecodeModel
		cv = map[string]**float64{kindBaseline: &m.DecodeMAPECVBaseline, kindRoofline: &m.DecodeMAPECVRoofline, kindOverhead: &m.DecodeMAPECVOverhead, kindDispatch: &m.DecodeMAPECVDispatch, kindRidge: &m.DecodeMAPECVRidge}
		lo = map[string]**float64{kindBaseline: &m.DecodeMAPELOMOBaseline, kindRoofline: &m.DecodeMAPELOMORoofline, kindOverhead: &m.DecodeMAPELOMOOverhead, kindDispatch: &m.DecodeMAPELOMODispatch, kindRidge: &m.DecodeMAPELOMORidge}
	case targetTTFT:
		mape, r2, lomo, cover, model = &m.TTFTMAPECV, &m.TTFTR2CV, &m.TTFTMAPELOMO, &m.TTFTIntervalCoverage90, &m.TTFTModel
		cv = map[string]**float64{kindBaseline: &m.TTFTMAPECVBaseline, kindRoofline: &m.TTFTMAPECVRoofline, kindOverhead: &m.TTFTMAPECVOverhead, kindDispatch: &m.TTFTMAPECVDispatch, kindRidge: &m.TTFTMAPECVRidge}
		lo = map[string]**float64{kindBaseline: &m.TTFTMAPELOMOBaseline, kindRoofline: &m.TTFTMAPELOMORoofline, kindOverhead: &m.TTFTMAPELOMOOverhead, kindDispatch: &m.TTFTMAPELOMODispatch, kindRidge: &m.TTFTMAPELOMORidge}
	default:
		mape, r2, lomo, cover, model = &m.MemoryMAPECV, &m.MemoryR2CV, &m.MemoryMAPELOMO, &m.MemoryIntervalCoverage90, &m.MemoryModel
		cv = map[string]**float64{kindBaseline: &m.MemoryMAPECVBaseline, kindRoofline: &m.MemoryMAPECVRoofline, kindLinear: &m.MemoryMAPECVLinear, kindOverhead: &m.MemoryMAPECVOverhead, kindRidge: &m.MemoryMAPECVRidge}
		lo = map[string]**float64{kindBaseline: &m.MemoryMAPELOMOBaseline, kindRoofline: &m.MemoryMAPELOMORoofline, kindLinear: &m.MemoryMAPELOMOLinear, kindOverhead: &m.MemoryMAPELOMOOverhead, kindRidge: &m.MemoryMAPELOMORidge}
	}
	*model = ev.chosen
	*mape, *r2, *lomo = num(ev.cvMAPE[ev.chosen]), num(ev.cvR2[ev.chosen]), num(ev.lomoMAPE[ev.chosen])
	*cover = num(ev.coverage90)
	for kind, p := range cv {
		*p = num(ev.cvMAPE[kind])
	}
	for kind, p := range lo {
		*p = num(ev.lomoMAPE[kind])
	}
	m.warnTarget(t, ev)
}

// warnTarget adds a warning when the chosen model does no better than
// predicting the average, explains little of the variance, or has
// intervals that do not hold.
func (m *Metrics) warnTarget(t target, ev evaluation) {
	name, k := t.describe(), ev.chosen
	base := kindBaseline
	for _, c := range []struct {
		how        string
		got, naive float64
	}{
		{"5-fold cross-validation", ev.cvMAPE[k], ev.cvMAPE[base]},
		{"leaving one model out", ev.lomoMAPE[k], ev.lomoMAPE[base]},
	} {
		if k == base {
			m.warn("%s: no model predicts better than the naive baseline (the average of all runs), which is what is stored; its predictions say nothing about a configuration, so measure more varied configurations", name)
			break
		}
		if !math.IsNaN(c.got) && !math.IsNaN(c.naive) && c.got >= c.naive {
			m.warn("%s: the %s model predicts no better than the naive baseline (the average of all runs) under %s, %.1f%% against %.1f%% error; do not rely on its predictions, and measure more varied configurations",
				name, k, c.how, 100*c.got, 100*c.naive)
			break
		}
	}
	if r2 := ev.cvR2[k]; r2 < 0 {
		m.warn("%s: R² under cross-validation is %.3f, below zero: the model explains less than the mean does", name, r2)
	}
	if mape := ev.cvMAPE[k]; mape > 0.5 {
		m.warn("%s: predictions are off by %.0f%% on average (5-fold cross-validation); treat them as rough", name, 100*mape)
	}
	if c := ev.coverage90; !math.IsNaN(c) && (c < 0.80 || c > 0.98) {
		m.warn("%s: the 90%% prediction intervals held %.0f%% of held-out runs; their width is not to be trusted", name, 100*c)
	}
}

func (m *Metrics) warn(format string, args ...any) {
	m.Warnings = append(m.Warnings, fmt.Sprintf(format, args...))
}

// setInteractive cross-validates the classifier: in each fold the decode
// model and the classifier are trained on the other folds alone.
func (m *Metrics) setInteractive(d *dataset, labels []bool, decodeKind string, folds []split, opt Options) error {
	for _, y := range labels {
		if y {
			m.InteractivePositive++
		} else {
			m.InteractiveNegative++
		}
	}
	if small := min(m.InteractivePositive, m.InteractiveNegative); small < MinClassRuns {
		m.warn("interactive (decode under %g ms/token): %d runs are interactive and %d not; with fewer than %d in a class no accuracy is reported, and the probability comes from the decode model's predictive distribution",
			opt.ThresholdMs, m.InteractivePositive, m.InteractiveNegative, MinClassRuns)
		return nil
	}
	if folds == nil {
		return nil
	}
	probs, err := outOfFold(len(labels), folds, func(train, test []int) ([]float64, error) {
		rows, y, keys := pick(d.rows, train), pick(d.y, train), pick(d.keys, train)
		dm, err := trainModel(targetDecode, decodeKind, rows, y, keys, opt)
		if err != nil {
			return nil, err
		}
		c, err := trainClassifier(rows, y, keys, opt)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(test))
		for k, i := range test {
			p := d.rows[i]
			out[k] = c.prob(p, dm.estimate(p))
		}
		return out, nil
	})
	if err != nil {
		return fmt.Errorf("cross-validate the interactive classifier: %w", err)
	}
	c := Confuse(labels, probs)
	m.InteractiveAccuracyCV = num(c.Accuracy())
	m.InteractivePrecisionCV = num(c.Precision())
	m.InteractiveRecallCV = num(c.Recall())
	m.InteractiveF1CV = num(c.F1())
	m.InteractiveAUCCV = num(AUC(labels, probs))
	m.InteractiveBrierCV = num(Brier(labels, probs))
	return nil
}
