package advisor

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Minimum data for a fit. Below MinRuns successful runs, cross-validation
// has too few held-out runs to mean anything; with one model the size of a
// model cannot be told from its other features. Leaving one model out needs
// a third model, so that two remain to train on.
const (
	MinRuns       = 8
	MinModels     = 2
	MinModelsLOMO = 3
)

// MinClassRuns is the fewest runs a class (interactive or not) needs for the
// classifier to be trained and its accuracy reported.
const MinClassRuns = 5

// FitVersion is the layout of a serialized Fit.
const FitVersion = 2

// Options tune Train. Zero values take the defaults.
type Options struct {
	ThresholdMs float64 // interactive when decode is faster than this many ms/token; 200 by default
	Folds       int     // cross-validation folds; 5 by default
	Lambda      float64 // ridge penalty per run; chosen by inner cross-validation when 0
	Seed        int64   // shuffles the folds
}

// DefaultThresholdMs is where interactive decode ends when nothing else is asked for: 200 ms
// per token, five tokens a second, about reading speed.
const DefaultThresholdMs = 200

func (o Options) withDefaults() Options {
	if o.ThresholdMs <= 0 {
		o.ThresholdMs = DefaultThresholdMs
	}
	if o.Folds < 2 {
		o.Folds = 5
	}
	return o
}

// Fit is everything learned from a set of runs. It serializes to JSON, and a
// reloaded Fit predicts exactly as the original.
type Fit struct {
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	ThresholdMs float64   `json:"threshold_ms"`
	NRuns       int       `json:"n_runs"`
	RunIDs      []int64   `json:"run_ids"`
	Models      []string  `json:"models"`
	Precisions  []string  `json:"precisions"`

	// The machines behind the runs: the memory bandwidths known, and
	// whether any had none (there the fit learns an effective bandwidth).
	BandwidthsGBs    []float64 `json:"bandwidths_gbs,omitempty"`
	UnknownBandwidth bool      `json:"unknown_bandwidth"`
	// What decode achieves, from a roofline fitted to every run: the share
	// of the nominal bandwidth reached where it is known, and the effective
	// bandwidth where it is not. They tell users where their machine stands.
	BandwidthEfficiency   float64 `json:"bandwidth_efficiency,omitempty"`
	EffectiveBandwidthGBs float64 `json:"effective_bandwidth_gbs,omitempty"`

	Decode      *Model      `json:"decode"`
	TTFT        *Model      `json:"ttft"`
	Memory      *Model      `json:"memory"`
	Interactive *Classifier `json:"interactive"`

	Metrics Metrics `json:"metrics"`

	// HeldOut holds, per target (decode, ttft, memory), every run's
	// prediction by the chosen kind of model trained in 5-fold
	// cross-validation without it: what predicted-vs-measured charts draw.
	HeldOut map[string][]HeldOut `json:"held_out,omitempty"`
}

// HeldOut is one run predicted by a model that was not trained on it, with
// its 90% prediction interval.
type HeldOut struct {
	RunID     int64   `json:"run_id"`
	Model     string  `json:"model"`
	Precision string  `json:"precision"`
	Context   int     `json:"context"`
	Batch     int     `json:"batch"`
	Measured  float64 `json:"measured"`
	Predicted float64 `json:"predicted"`
	Low90     float64 `json:"low_90"`
	High90    float64 `json:"high_90"`
}

// dataset is the rows a target is trained on.
type dataset struct {
	rows   []physics
	y      []float64
	keys   []string
	models []string
	obs    []Observation
}

func (d *dataset) add(o Observation, y float64) {
	q := o.Query()
	d.rows = append(d.rows, derive(q))
	d.y = append(d.y, y)
	d.keys = append(d.keys, q.key())
	d.models = append(d.models, o.Model)
	d.obs = append(d.obs, o)
}

// heldOut pairs each run with its held-out estimate.
func (d *dataset) heldOut(est []estimate) []HeldOut {
	out := make([]HeldOut, len(est))
	for i, e := range est {
		o := d.obs[i]
		lo, hi := e.intervalAt(calibrationLevel)
		out[i] = HeldOut{RunID: o.RunID, Model: o.Model, Precision: o.Precision, Context: o.Context, Batch: o.Batch,
			Measured: d.y[i], Predicted: e.value(), Low90: lo, High90: hi}
	}
	return out
}

func distinct(xs []string) int { return len(sortedDistinct(xs)) }

// Train fits the advisor's models to successful runs and validates them.
// Runs with another status, or without the measurement a target needs, are
// left out of that target.
func Train(obs []Observation, opt Options) (*Fit, error) {
	opt = opt.withDefaults()
	f := &Fit{Version: FitVersion, CreatedAt: time.Now().UTC().Truncate(time.Millisecond), ThresholdMs: opt.ThresholdMs}
	data := map[target]*dataset{}
	for _, t := range targets {
		data[t] = &dataset{}
	}
	var models []string
	var rows []physics
	for _, o := range obs {
		if o.Status != StatusOK || o.Params <= 0 || o.WeightBytes <= 0 || o.Context <= 0 {
			continue
		}
		used := false
		for _, t := range targets {
			if v := t.value(o); v > 0 && !math.IsInf(v, 0) {
				data[t].add(o, v)
				used = true
			}
		}
		if !used {
			continue
		}
		models, rows = append(models, o.Model), append(rows, derive(o.Query()))
		f.RunIDs = append(f.RunIDs, o.RunID)
		if o.BandwidthGBs > 0 {
			if !slices.Contains(f.BandwidthsGBs, o.BandwidthGBs) {
				f.BandwidthsGBs = append(f.BandwidthsGBs, o.BandwidthGBs)
			}
		} else {
			f.UnknownBandwidth = true
		}
	}
	slices.Sort(f.BandwidthsGBs)
	for _, t := range targets {
		d := data[t]
		if n, m := len(d.y), distinct(d.models); n < MinRuns || m < MinModels {
			return nil, fmt.Errorf("cannot fit %s: it needs at least %d successful runs across at least %d models, and there are %d runs of %s; measure more models, contexts or precisions (%d models or more also allow leave-one-model-out validation)",
				t.describe(), MinRuns, MinModels, n, plural(m, "model"), MinModelsLOMO)
		}
	}
	f.NRuns = len(rows)
	f.Models = sortedDistinct(models)
	f.Precisions = precisionsOf(rows)
	f.Metrics.NRuns = f.NRuns
	f.Metrics.NModels = len(f.Models)
	f.Metrics.Warnings = []string{}
	f.HeldOut = map[string][]HeldOut{}
	if f.Metrics.NModels < MinModelsLOMO {
		f.Metrics.warn("only %s measured: leaving one model out needs %d, so how well an unmeasured model is predicted is unknown",
			plural(f.Metrics.NModels, "model"), MinModelsLOMO)
	}

	dec := data[targetDecode]
	if roof, err := trainModel(targetDecode, kindRoofline, dec.rows, dec.y, dec.keys, opt); err == nil {
		// Decode ms = scale · bytes / (bandwidth in GB/s · 1e6).
		if s := roof.Physical.Scales; s != nil {
			f.BandwidthEfficiency = 1 / s[0]
		}
		if s := roof.Physical.ScalesUnknownBandwidth; s != nil {
			f.EffectiveBandwidthGBs = 1 / s[0]
		}
	}
	labels := interactiveLabels(dec.y, opt.ThresholdMs)
	for _, t := range targets {
		d := data[t]
		var strat []bool
		if t == targetDecode {
			strat = labels
		}
		ev := evaluate(t, d, kFold(d.keys, strat, opt.Folds, opt.Seed), opt)
		m, err := trainModel(t, ev.chosen, d.rows, d.y, d.keys, opt)
		if err != nil {
			return nil, fmt.Errorf("fit %s: %w", t.describe(), err)
		}
		m.calibrate(d.rows, d.y, d.keys, opt)
		if ev.heldOut != nil {
			f.HeldOut[string(t)] = d.heldOut(ev.heldOut)
		}
		switch t {
		case targetDecode:
			f.Decode = m
		case targetTTFT:
			f.TTFT = m
		default:
			f.Memory = m
		}
		f.Metrics.setTarget(t, ev)
	}

	c, err := trainClassifier(dec.rows, dec.y, dec.keys, opt)
	if err != nil {
		return nil, fmt.Errorf("fit the interactive classifier: %w", err)
	}
	f.Interactive = c
	if err := f.Metrics.setInteractive(dec, labels, f.Decode.Kind, kFold(dec.keys, labels, opt.Folds, opt.Seed), opt); err != nil {
		return nil, err
	}
	f.Metrics.InteractiveModel = c.Kind
	return f, nil
}

func (t target) describe() string {
	switch t {
	case targetDecode:
		return "decode ms/token"
	case targetTTFT:
		return "time to first token"
	default:
		return "peak memory"
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func sortedDistinct(xs []string) []string {
	s := slices.Clone(xs)
	slices.Sort(s)
	return slices.Compact(s)
}
