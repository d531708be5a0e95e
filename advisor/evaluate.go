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
	DecodeMAPECVRidge    *float64 `json:"decode_mape_cv_ridge,omitempty"`
	TTFTMAPECVBaseline   *float64 `json:"ttft_mape_cv_baseline,omitempty"`
	TTFTMAPECVRoofline   *float64 `json:"ttft_mape_cv_roofline,omitempty"`
	TTFTMAPECVRidge      *float64 `json:"ttft_mape_cv_ridge,omitempty"`
	MemoryMAPECVBaseline *float64 `json:"memory_mape_cv_baseline,omitempty"`
	MemoryMAPECVRoofline *float64 `json:"memory_mape_cv_roofline,omitempty"`
	MemoryMAPECVLinear   *float64 `json:"memory_mape_cv_linear,omitempty"`
	MemoryMAPECVRidge    *float64 `json:"memory_mape_cv_ridge,omitempty"`

	// And every kind's leave-one-model-out MAPE.
	DecodeMAPELOMOBaseline *float64 `json:"decode_mape_leave_one_model_out_baseline,omitempty"`
	DecodeMAPELOMORoofline *float64 `json:"decode_mape_leave_one_model_out_roofline,omitempty"`
	DecodeMAPELOMORidge    *float64 `json:"decode_mape_leave_one_model_out_ridge,omitempty"`
	TTFTMAPELOMOBaseline   *float64 `json:"ttft_mape_leave_one_model_out_baseline,omitempty"`
	TTFTMAPELOMORoofline   *float64 `json:"ttft_mape_leave_one_model_out_roofline,omitempty"`
	TTFTMAPELOMORidge      *float64 `json:"ttft_mape_leave_one_model_out_ridge,omitempty"`
	MemoryMAPELOMOBaseline *float64 `json:"memory_mape_leave_one_model_out_baseline,omitempty"`
	MemoryMAPELOMORoofline *float64 `json:"memory_mape_leave_one_model_out_roofline,omitempty"`
	MemoryMAPELOMOLinear   *float64 `json:"memory_mape_leave_one_model_out_linear,omitempty"`
	MemoryMAPELOMORidge    *float64 `json:"memory_mape_leave_one_model_out_ridge,omitempty"`

	// The kind chosen for each target, and the classifier's.
	DecodeModel      string `json:"decode_model"`
	TTFTModel        string `json:"ttft_model"`
	MemoryModel      string `json:"memory_model"`
	InteractiveModel string `json:"interactive_model"`
}

// num is nil for a value that could not be measured, so JSON never sees a NaN.
func num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func (m *Metrics) setTarget(t target, ev evaluation) {
	var mape, r2, lomo **float64
	var model *string
	var cv, lo map[string]**float64
	switch t {
	case targetDecode:
		mape, r2, lomo, model = &m.DecodeMAPECV, &m.DecodeR2CV, &m.DecodeMAPELOMO, &m.DecodeModel
		cv = map[string]**float64{kindBaseline: &m.DecodeMAPECVBaseline, kindRoofline: &m.DecodeMAPECVRoofline, kindRidge: &m.DecodeMAPECVRidge}
		lo = map[string]**float64{kindBaseline: &m.DecodeMAPELOMOBaseline, kindRoofline: &m.DecodeMAPELOMORoofline, kindRidge: &m.DecodeMAPELOMORidge}
	case targetTTFT:
		mape, r2, lomo, model = &m.TTFTMAPECV, &m.TTFTR2CV, &m.TTFTMAPELOMO, &m.TTFTModel
		cv = map[string]**float64{kindBaseline: &m.TTFTMAPECVBaseline, kindRoofline: &m.TTFTMAPECVRoofline, kindRidge: &m.TTFTMAPECVRidge}
		lo = map[string]**float64{kindBaseline: &m.TTFTMAPELOMOBaseline, kindRoofline: &m.TTFTMAPELOMORoofline, kindRidge: &m.TTFTMAPELOMORidge}
	default:
		mape, r2, lomo, model = &m.MemoryMAPECV, &m.MemoryR2CV, &m.MemoryMAPELOMO, &m.MemoryModel
		cv = map[string]**float64{kindBaseline: &m.MemoryMAPECVBaseline, kindRoofline: &m.MemoryMAPECVRoofline, kindLinear: &m.MemoryMAPECVLinear, kindRidge: &m.MemoryMAPECVRidge}
		lo = map[string]**float64{kindBaseline: &m.MemoryMAPELOMOBaseline, kindRoofline: &m.MemoryMAPELOMORoofline, kindLinear: &m.MemoryMAPELOMOLinear, kindRidge: &m.MemoryMAPELOMORidge}
	}
	*model = ev.chosen
	*mape, *r2, *lomo = num(ev.cvMAPE[ev.chosen]), num(ev.cvR2[ev.chosen]), num(ev.lomoMAPE[ev.chosen])
	for kind, p := range cv {
		*p = num(ev.cvMAPE[kind])
	}
	for kind, p := range lo {
		*p = num(ev.lomoMAPE[kind])
	}
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

// evaluation is how each kind of model did out of sample on one target.
type evaluation struct {
	cvMAPE, cvR2, lomoMAPE map[string]float64 // NaN where it could not be measured
	chosen                 string
}

// evaluate cross-validates every kind of model on the same folds, so they
// are compared on equal terms, and holds out each model when there are
// enough. The kind with the lowest cross-validated MAPE is chosen; the
// simpler kind wins a tie.
func evaluate(t target, d *dataset, folds []split, opt Options) evaluation {
	ev := evaluation{cvMAPE: map[string]float64{}, cvR2: map[string]float64{}, lomoMAPE: map[string]float64{}}
	var lomo []split
	if distinct(d.models) >= MinModelsLOMO {
		lomo, _ = leaveOneModelOut(d.models)
	}
	for _, kind := range t.kinds() {
		run := func(splits []split) []float64 {
			if splits == nil {
				return nil
			}
			pred, err := outOfFold(len(d.y), splits, func(train, test []int) ([]float64, error) {
				m, err := trainModel(t, kind, pick(d.rows, train), pick(d.y, train), pick(d.keys, train), opt)
				if err != nil {
					return nil, err
				}
				out := make([]float64, len(test))
				for k, i := range test {
					out[k] = m.estimate(d.rows[i]).value()
				}
				return out, nil
			})
			if err != nil {
				return nil
			}
			return pred
		}
		ev.cvMAPE[kind], ev.cvR2[kind], ev.lomoMAPE[kind] = math.NaN(), math.NaN(), math.NaN()
		if pred := run(folds); pred != nil {
			ev.cvMAPE[kind], ev.cvR2[kind] = MAPE(d.y, pred), R2(d.y, pred)
		}
		if pred := run(lomo); pred != nil {
			ev.lomoMAPE[kind] = MAPE(d.y, pred)
		}
		if !math.IsNaN(ev.cvMAPE[kind]) && (ev.chosen == "" || ev.cvMAPE[kind] < ev.cvMAPE[ev.chosen]) {
			ev.chosen = kind
		}
	}
	if ev.chosen == "" {
		ev.chosen = kindBaseline
	}
	return ev
}
