package advisor

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/advisor/classify"
	"github.com/inferbench/inferbench/advisor/regress"
)

func TestTrainOnPhysicalLaw(t *testing.T) {
	f, obs := cpuFit(t)
	m := f.Metrics
	b, _ := json.MarshalIndent(m, "", "  ")
	t.Logf("metrics on %d synthetic runs:\n%s", len(obs), b)

	for _, c := range []struct {
		name      string
		got, most float64
	}{
		{"decode MAPE (CV)", val(m.Decode.MAPE5Fold), 0.10},
		{"decode MAPE (leave one model out)", val(m.Decode.MAPELOMO), 0.20},
		{"TTFT MAPE (CV)", val(m.TTFT.MAPE5Fold), 0.15},
		{"memory MAPE (CV)", val(m.Memory.MAPE5Fold), 0.10},
		{"memory MAPE (leave one model out)", val(m.Memory.MAPELOMO), 0.20},
	} {
		if !(c.got <= c.most) {
			t.Errorf("%s = %.3f, want at most %.2f", c.name, c.got, c.most)
		}
	}
	if acc := val(m.Interactive.AccuracyCV); !(acc >= 0.95) {
		t.Errorf("interactive accuracy (CV) = %.3f, want at least 0.95", acc)
	}
	if r2 := val(m.Decode.R2CV); !(r2 > 0.9) {
		t.Errorf("decode R² (CV) = %.3f, want above 0.9", r2)
	}
	// The chosen kind must be the one that validated best, and it must beat
	// the naive baseline by far when the data follow a law.
	for _, c := range []struct {
		name     string
		chosen   string
		byKind   map[string][2]*float64
		baseline *float64
	}{
		{"decode", m.Decode.Model, map[string][2]*float64{regress.KindBaseline: {m.Decode.Baseline().MAPE5Fold, m.Decode.Baseline().MAPELOMO}, regress.KindRoofline: {m.Decode.Kinds[regress.KindRoofline].MAPE5Fold, m.Decode.Kinds[regress.KindRoofline].MAPELOMO}, regress.KindOverhead: {m.Decode.Kinds[regress.KindOverhead].MAPE5Fold, m.Decode.Kinds[regress.KindOverhead].MAPELOMO}, regress.KindRidge: {m.Decode.Kinds[regress.KindRidge].MAPE5Fold, m.Decode.Kinds[regress.KindRidge].MAPELOMO}}, m.Decode.Baseline().MAPE5Fold},
		{"ttft", m.TTFT.Model, map[string][2]*float64{regress.KindBaseline: {m.TTFT.Baseline().MAPE5Fold, m.TTFT.Baseline().MAPELOMO}, regress.KindRoofline: {m.TTFT.Kinds[regress.KindRoofline].MAPE5Fold, m.TTFT.Kinds[regress.KindRoofline].MAPELOMO}, regress.KindOverhead: {m.TTFT.Kinds[regress.KindOverhead].MAPE5Fold, m.TTFT.Kinds[regress.KindOverhead].MAPELOMO}, regress.KindRidge: {m.TTFT.Kinds[regress.KindRidge].MAPE5Fold, m.TTFT.Kinds[regress.KindRidge].MAPELOMO}}, m.TTFT.Baseline().MAPE5Fold},
		{"memory", m.Memory.Model, map[string][2]*float64{regress.KindBaseline: {m.Memory.Baseline().MAPE5Fold, m.Memory.Baseline().MAPELOMO}, regress.KindRoofline: {m.Memory.Kinds[regress.KindRoofline].MAPE5Fold, m.Memory.Kinds[regress.KindRoofline].MAPELOMO}, regress.KindLinear: {m.Memory.Kinds[regress.KindLinear].MAPE5Fold, m.Memory.Kinds[regress.KindLinear].MAPELOMO}, regress.KindRidge: {m.Memory.Kinds[regress.KindRidge].MAPE5Fold, m.Memory.Kinds[regress.KindRidge].MAPELOMO}}, m.Memory.Baseline().MAPE5Fold},
	} {
		// Selection scores the mean of the k-fold and leave-one-model-out MAPEs.
		score := func(kind string) float64 { v := c.byKind[kind]; return (val(v[0]) + val(v[1])) / 2 }
		chosen := val(c.byKind[c.chosen][0])
		for kind := range c.byKind {
			if score(kind) < score(c.chosen) {
				t.Errorf("%s: chose %s (score %.3f) over %s (score %.3f)", c.name, c.chosen, score(c.chosen), kind, score(kind))
			}
		}
		if c.chosen == regress.KindBaseline || !(chosen < val(c.baseline)/3) {
			t.Errorf("%s: chosen %s with MAPE %.3f, baseline %.3f: the law was not learned", c.name, c.chosen, chosen, val(c.baseline))
		}
	}
	// A single effective bandwidth cannot explain fp16's slowdown on this
	// law, so a precision-aware model must beat the roofline for decode.
	if m.Decode.Model == regress.KindRoofline || m.Decode.Model == regress.KindBaseline {
		t.Errorf("decode model = %s, want a precision-aware one (roofline MAPE %.3f, overhead %.3f, ridge %.3f)",
			m.Decode.Model, val(m.Decode.Kinds[regress.KindRoofline].MAPE5Fold), val(m.Decode.Kinds[regress.KindOverhead].MAPE5Fold), val(m.Decode.Kinds[regress.KindRidge].MAPE5Fold))
	}
	if len(m.Warnings) != 0 {
		t.Errorf("warnings on a sweep that follows a law: %q", m.Warnings)
	}

	var pos, neg int
	for _, o := range obs {
		if o.DecodeMsPerToken < f.ThresholdMs {
			pos++
		} else {
			neg++
		}
	}
	if m.Interactive.Positive != pos || m.Interactive.Negative != neg {
		t.Errorf("class balance = %d/%d, want %d/%d", m.Interactive.Positive, m.Interactive.Negative, pos, neg)
	}
	if pos == 0 || neg == 0 {
		t.Fatalf("the synthetic sweep should have both classes, has %d/%d", pos, neg)
	}
	if f.NRuns != len(obs) || len(f.RunIDs) != len(obs) || m.NModels != 3 {
		t.Errorf("NRuns %d, RunIDs %d, models %d; want %d, %d, 3", f.NRuns, len(f.RunIDs), m.NModels, len(obs), len(obs))
	}
}

func TestTrainPredictsMeasuredConfigurations(t *testing.T) {
	f, obs := cpuFit(t)
	var inside int
	for _, o := range obs {
		p := f.Predict(o.Query())
		if p.DecodeLow <= o.DecodeMsPerToken && o.DecodeMsPerToken <= p.DecodeHigh {
			inside++
		}
		if !(p.DecodeLow < p.DecodeMsPerToken && p.DecodeMsPerToken < p.DecodeHigh &&
			p.TTFTLow < p.TTFTMs && p.TTFTMs < p.TTFTHigh && p.PeakLow < p.PeakMemoryBytes && p.PeakMemoryBytes < p.PeakHigh) {
			t.Fatalf("%s: intervals do not bracket the prediction: %+v", o.Model, p)
		}
		if p.PInteractive < 0 || p.PInteractive > 1 {
			t.Fatalf("PInteractive = %v", p.PInteractive)
		}
	}
	if cover := float64(inside) / float64(len(obs)); cover < 0.85 {
		t.Errorf("decode intervals cover %.0f%% of the runs, want at least 85%%", 100*cover)
	}
}

func TestTrainIgnoresFailedRuns(t *testing.T) {
	obs := cpuSweep(t)
	f1, err := Train(obs, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	bad := obs[0]
	bad.RunID, bad.Status, bad.DecodeMsPerToken = 9999, StatusOOM, 1e6
	f2, err := Train(append(obs, bad), Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if f2.NRuns != f1.NRuns {
		t.Errorf("an oom run was trained on: %d runs, want %d", f2.NRuns, f1.NRuns)
	}
}

func TestTrainRefusesTooLittleData(t *testing.T) {
	obs := cpuSweep(t)
	var small []Observation
	for _, o := range obs {
		if o.Model == "gpt2" {
			small = append(small, o)
		}
	}
	var twoModels []Observation
	for _, o := range obs {
		if o.Model != "gpt2-large" {
			twoModels = append(twoModels, o)
		}
	}
	for _, c := range []struct {
		name string
		obs  []Observation
		want []string // in the error; none means no error
	}{
		{"no runs", nil, []string{"at least 8", "there are 0 configurations"}},
		{"five runs", obs[:5], []string{"at least 8", "there are 5 configurations"}},
		{"one model", small, []string{"at least 2 models", "of 1 model"}},
		{"two models", twoModels, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Train(c.obs, Options{Seed: 1})
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				// Leave-one-model-out is impossible with two models, so it is
				// absent, and no NaN reaches JSON.
				if f.Metrics.Decode.MAPELOMO != nil || f.Metrics.Memory.MAPELOMO != nil {
					t.Errorf("leave-one-model-out reported with two models")
				}
				if _, err := json.Marshal(f); err != nil {
					t.Errorf("marshal: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Train succeeded, want an error")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestTrainOneClass(t *testing.T) {
	// Every run is interactive on a fast machine: there is nothing for a
	// classifier to separate, and the probability comes from the decode
	// model, still falling for a configuration far slower than measured.
	l := cpuLaw
	l.bandwidthGBs, l.known = 400, true
	obs := l.sweep(t, 3, gpt2Sizes, []string{"fp32", "fp16"}, contexts, []int{1})
	f, err := Train(obs, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if f.Interactive.Kind != classify.KindRegression || f.Metrics.Interactive.Negative != 0 {
		t.Fatalf("classifier %s with %d negatives", f.Interactive.Kind, f.Metrics.Interactive.Negative)
	}
	if f.Metrics.Interactive.AUCCV != nil || f.Metrics.Interactive.AccuracyCV != nil || f.Metrics.Interactive.RecallCV != nil {
		t.Errorf("classifier metrics reported with one class")
	}
	if !slices.ContainsFunc(f.Metrics.Warnings, func(w string) bool { return strings.Contains(w, "no accuracy is reported") }) {
		t.Errorf("no warning about the empty class: %q", f.Metrics.Warnings)
	}
	q := obs[0].Query()
	fast := f.Predict(q).PInteractive
	q.Params, q.WeightBytes = q.Params*1000, q.WeightBytes*1000
	slow := f.Predict(q).PInteractive
	if !(fast > 0.9 && slow < 0.1) {
		t.Errorf("P(interactive) = %.3f measured, %.3f for a model 1000× larger", fast, slow)
	}
	if math.IsNaN(fast) {
		t.Error("NaN probability")
	}
}

func TestTrainFindsEffectiveBandwidth(t *testing.T) {
	for _, c := range []struct {
		name  string
		known bool
	}{{"unknown bandwidth", false}, {"known bandwidth", true}} {
		t.Run(c.name, func(t *testing.T) {
			l := cpuLaw
			l.known = c.known
			obs := l.sweep(t, 4, gpt2Sizes, []string{"fp32"}, contexts, []int{1})
			f, err := Train(obs, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			got, want := f.EffectiveBandwidthGBs, l.bandwidthGBs
			if c.known {
				// The law runs at exactly the bandwidth it reports.
				got, want = f.BandwidthEfficiency, 1
			}
			if math.Abs(got-want)/want > 0.03 {
				t.Errorf("found %.3f, want %.3f", got, want)
			}
		})
	}
}

// Decode times that have nothing to do with the configuration cannot be predicted: the fit
// must say so rather than store a model as if it could.
func TestTrainWarnsWhenNoModelBeatsTheBaseline(t *testing.T) {
	obs := cpuSweep(t)
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range obs {
		obs[i].DecodeMsPerToken = 100 * math.Exp(rng.NormFloat64())
	}
	f, err := Train(obs, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// MAPE rewards predicting low, so a model can edge the baseline on it while explaining
	// nothing; R² below zero and the size of the error give it away.
	found := slices.ContainsFunc(f.Metrics.Warnings, func(w string) bool {
		return strings.HasPrefix(w, "decode ms/token:")
	})
	if !found {
		t.Errorf("decode %s with MAPE %.2f (baseline %.2f): no warning in %q", f.Metrics.Decode.Model,
			val(f.Metrics.Decode.MAPE5Fold), val(f.Metrics.Decode.Baseline().MAPE5Fold), f.Metrics.Warnings)
	}
}
