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

// FitVersion is the layout of a serialized Fit.
const FitVersion = 1

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
}

// dataset is the rows a target is trained on.
type dataset struct {
	rows   []physics
	y      []float64
	keys   []string
	models []string
}

func (d *dataset) add(o Observation, y float64) {
	q := o.Query()
	d.rows = append(d.rows, derive(q))
	d.y = append(d.y, y)
	d.keys = append(d.keys, q.key())
	d.models = append(d.models, o.Model)
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
