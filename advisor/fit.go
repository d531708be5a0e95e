package advisor

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/inferbench/inferbench/advisor/classify"
	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
	"github.com/inferbench/inferbench/advisor/validate"
)

// Minimum data for a fit. Below MinRuns configurations with successful runs,
// cross-validation has too few held-out ones to mean anything; with one model
// the size of a model cannot be told from its other features. Leaving one
// model out needs a third model, so that two remain to train on.
const (
	MinRuns       = 8
	MinModels     = 2
	MinModelsLOMO = validate.MinModelsLOMO
)

// MinClassRuns is the fewest runs a class (interactive or not) needs for the
// classifier to be trained and its accuracy reported.
const MinClassRuns = classify.MinClassRuns

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

// fitting is the options the regressions take.
func (o Options) fitting() regress.Options {
	return regress.Options{Folds: o.Folds, Lambda: o.Lambda, Seed: o.Seed}.WithDefaults()
}

// Fit is everything learned from a set of runs. It serializes to JSON, and a
// reloaded Fit predicts exactly as the original.
type Fit struct {
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	ThresholdMs float64   `json:"threshold_ms"`
	NRuns       int       `json:"n_runs"`  // runs learned from
	RunIDs      []int64   `json:"run_ids"` // every one of them, ascending
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

	Decode      *regress.Model       `json:"decode"`
	TTFT        *regress.Model       `json:"ttft"`
	Memory      *regress.Model       `json:"memory"`
	Interactive *classify.Classifier `json:"interactive"`

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

// dataset is the runs a target is trained on, with the observations behind
// them.
type dataset struct {
	validate.Data
	obs []Observation
}

func (d *dataset) add(o Observation, y float64) {
	q := o.Query()
	d.Rows = append(d.Rows, physics.Derive(q))
	d.Y = append(d.Y, y)
	d.Keys = append(d.Keys, q.Key())
	d.Models = append(d.Models, o.Model)
	d.obs = append(d.obs, o)
}

// heldOut pairs each run with its held-out estimate.
func (d *dataset) heldOut(est []regress.Estimate) []HeldOut {
	out := make([]HeldOut, len(est))
	for i, e := range est {
		o := d.obs[i]
		lo, hi := e.IntervalAt(regress.CalibrationLevel)
		out[i] = HeldOut{RunID: o.RunID, Model: o.Model, Precision: o.Precision, Context: o.Context, Batch: o.Batch,
			Measured: d.Y[i], Predicted: e.Value(), Low90: lo, High90: hi}
	}
	return out
}

func distinct(xs []string) int { return len(sortedDistinct(xs)) }

// value is the measurement of the target an observation holds; 0 when it
// holds none.
func value(t physics.Target, o Observation) float64 {
	switch t {
	case physics.Decode:
		return o.DecodeMsPerToken
	case physics.TTFT:
		return o.TTFTMs
	default:
		return float64(o.PeakMemoryBytes)
	}
}

// Train fits the advisor's models to successful runs and validates them.
// Runs with another status, or without the measurement a target needs, are
// left out of that target. A configuration measured more than once is one
// observation, at its fastest run's times and its largest peak memory
// (combineRepeats): it is fitted, held out and scored as one.
func Train(obs []Observation, opt Options) (*Fit, error) {
	opt = opt.withDefaults()
	fo := opt.fitting()
	f := &Fit{Version: FitVersion, CreatedAt: time.Now().UTC().Truncate(time.Millisecond), ThresholdMs: opt.ThresholdMs}
	data := map[physics.Target]*dataset{}
	for _, t := range physics.Targets {
		data[t] = &dataset{}
	}
	var models []string
	var rows []physics.Quantities
	for _, c := range combineRepeats(obs) {
		o := c.Observation
		used := false
		for _, t := range physics.Targets {
			if v := value(t, o); v > 0 && !math.IsInf(v, 0) {
				data[t].add(o, v)
				used = true
			}
		}
		if !used {
			continue
		}
		models, rows = append(models, o.Model), append(rows, physics.Derive(o.Query()))
		f.RunIDs = append(f.RunIDs, c.runIDs...)
		if o.BandwidthGBs > 0 {
			if !slices.Contains(f.BandwidthsGBs, o.BandwidthGBs) {
				f.BandwidthsGBs = append(f.BandwidthsGBs, o.BandwidthGBs)
			}
		} else {
			f.UnknownBandwidth = true
		}
	}
	slices.Sort(f.BandwidthsGBs)
	for _, t := range physics.Targets {
		d := data[t]
		if n, m := len(d.Y), distinct(d.Models); n < MinRuns || m < MinModels {
			return nil, fmt.Errorf("cannot fit %s: it needs successful runs of at least %d configurations across at least %d models, and there are %s of %s; measure more models, contexts or precisions (%d models or more also allow leave-one-model-out validation)",
				t.Describe(), MinRuns, MinModels, plural(n, "configuration"), plural(m, "model"), MinModelsLOMO)
		}
	}
	slices.Sort(f.RunIDs)
	f.NRuns = len(f.RunIDs)
	f.Models = sortedDistinct(models)
	f.Precisions = physics.PrecisionsOf(rows)
	f.Metrics.NRuns = f.NRuns
	f.Metrics.NConfigs = len(rows)
	f.Metrics.NModels = len(f.Models)
	f.Metrics.Warnings = []string{}
	f.HeldOut = map[string][]HeldOut{}
	if f.Metrics.NModels < MinModelsLOMO {
		f.Metrics.warn("only %s measured: leaving one model out needs %d, so how well an unmeasured model is predicted is unknown",
			plural(f.Metrics.NModels, "model"), MinModelsLOMO)
	}

	dec := data[physics.Decode]
	if roof, err := regress.Train(physics.Decode, regress.KindRoofline, dec.Rows, dec.Y, dec.Keys, fo); err == nil {
		// Decode ms = scale · bytes / (bandwidth in GB/s · 1e6).
		if s := roof.Physical.Scales; s != nil {
			f.BandwidthEfficiency = 1 / s[0]
		}
		if s := roof.Physical.ScalesUnknownBandwidth; s != nil {
			f.EffectiveBandwidthGBs = 1 / s[0]
		}
	}
	labels := classify.Labels(dec.Y, opt.ThresholdMs)
	for _, t := range physics.Targets {
		d := data[t]
		var strat []bool
		if t == physics.Decode {
			strat = labels
		}
		ev := validate.Evaluate(t, d.Data, regress.KFold(d.Keys, strat, fo.Folds, fo.Seed), fo)
		m, err := regress.Train(t, ev.Chosen, d.Rows, d.Y, d.Keys, fo)
		if err != nil {
			return nil, fmt.Errorf("fit %s: %w", t.Describe(), err)
		}
		m.Calibrate(d.Rows, d.Y, d.Keys, fo)
		if ev.HeldOut != nil {
			f.HeldOut[string(t)] = d.heldOut(ev.HeldOut)
		}
		switch t {
		case physics.Decode:
			f.Decode = m
		case physics.TTFT:
			f.TTFT = m
		default:
			f.Memory = m
		}
		*f.Metrics.Target(t) = ev.Metrics()
		f.Metrics.Warnings = append(f.Metrics.Warnings, ev.Warnings()...)
	}

	c, err := classify.Train(dec.Rows, dec.Y, dec.Keys, opt.ThresholdMs, fo)
	if err != nil {
		return nil, fmt.Errorf("fit the interactive classifier: %w", err)
	}
	f.Interactive = c
	cm, err := classify.CrossValidate(dec.Rows, dec.Y, dec.Keys, opt.ThresholdMs, f.Decode.Kind, regress.KFold(dec.Keys, labels, fo.Folds, fo.Seed), fo)
	if err != nil {
		return nil, err
	}
	cm.Model = c.Kind
	f.Metrics.Interactive = cm
	if small := min(cm.Positive, cm.Negative); small < MinClassRuns {
		f.Metrics.warn("interactive (decode under %g ms/token): %d runs are interactive and %d not; with fewer than %d in a class no accuracy is reported, and the probability comes from the decode model's predictive distribution",
			opt.ThresholdMs, cm.Positive, cm.Negative, MinClassRuns)
	}
	return f, nil
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
