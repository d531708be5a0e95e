// Package advice wires the advisor to stored runs: it turns runs into observations, keeps the
// current fit (refitted when new runs land), builds candidates and draws the charts, for the
// command line and the Recommendations window alike.
package advice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/sensors"
	"github.com/inferbench/inferbench/storage"
)

// MachineInfo is what the advisor needs of the machine the command runs on.
type MachineInfo struct {
	ID           int64 // its row in the database
	Chip         string
	MemoryBytes  int64   // 0 when unknown
	BandwidthGBs float64 // nominal memory bandwidth, 0 when unknown
}

// ThisMachine identifies the machine in the database. Storage offers no way to read a stored
// machine's chip, so only runs measured here are given a bandwidth (this chip's); runs from
// elsewhere count as of unknown bandwidth, which the advisor learns an effective one for.
func ThisMachine(ctx context.Context, store *storage.DB) (MachineInfo, error) {
	m := engine.DetectMachine()
	// Recording the machine is the only way to learn its id; every run here records it anyway.
	id, err := store.UpsertMachine(ctx, app.StorageMachine(m))
	if err != nil {
		return MachineInfo{}, fmt.Errorf("identify this machine: %w", err)
	}
	return MachineInfo{ID: id, Chip: m.Chip, MemoryBytes: m.MemoryBytes, BandwidthGBs: engine.PeakBandwidthGBs("", m.Chip)}, nil
}

// Hot reports whether a run was measured while the machine throttled (thermal state serious or
// worse, or a clock that fell more than 10% below its start); its speed says more
// about the heat than about the configuration.
func Hot(r storage.Run) bool {
	t := sensors.Thermal(r.ThermalWorst)
	return r.Throttled || t == sensors.ThermalSerious || t == sensors.ThermalCritical
}

// Shapes finds model architectures: catalog entries by name, checkpoint folders by their
// config.json. Results are cached, as a database holds many runs of each model.
type Shapes struct {
	cat   *engine.Catalog
	cache map[string]*advisor.Shape // nil: not known
}

func NewShapes(cat *engine.Catalog) *Shapes {
	return &Shapes{cat: cat, cache: map[string]*advisor.Shape{}}
}

// of returns the shape of a model, given its name (a catalog name or a folder) and the folder
// its weights came from, if any.
func (s *Shapes) Of(model, weightsPath string) (advisor.Shape, bool) {
	key := model + "\x00" + weightsPath
	if sh, ok := s.cache[key]; ok {
		return knownShape(sh)
	}
	var found *advisor.Shape
	if m, ok := s.cat.Model(model); ok {
		var cfg map[string]any
		if json.Unmarshal(m.Config, &cfg) == nil {
			if sh, err := advisor.ShapeFromConfig(cfg); err == nil {
				found = &sh
			}
		}
	} else {
		for _, dir := range []string{model, weightsPath} {
			if dir == "" || !filepath.IsAbs(dir) {
				continue
			}
			if sh, err := shapeFromFolder(dir); err == nil {
				found = &sh
				break
			}
		}
	}
	s.cache[key] = found
	return knownShape(found)
}

func knownShape(sh *advisor.Shape) (advisor.Shape, bool) {
	if sh == nil {
		return advisor.Shape{}, false
	}
	return *sh, true
}

// shapeFromFolder reads a checkpoint's config.json; multimodal configurations keep the
// language model's in text_config.
func shapeFromFolder(dir string) (advisor.Shape, error) {
	cfg, err := engine.ReadModelConfig(dir)
	if err != nil {
		return advisor.Shape{}, err
	}
	sh, err := advisor.ShapeFromConfig(cfg)
	if text, ok := cfg["text_config"].(map[string]any); err != nil && ok {
		return advisor.ShapeFromConfig(text)
	}
	return sh, err
}

// EstimateWeights approximates the parameters and weight bytes of a model never loaded at a
// precision.
func EstimateWeights(cat *engine.Catalog, sh advisor.Shape, precision string) (params, weightBytes int64, err error) {
	p, err := cat.Precision(precision)
	if err != nil {
		return 0, 0, err
	}
	params = advisor.EstimateParams(sh)
	if p.Quantized() {
		return params, advisor.EstimateWeightBytes(params, p.Bits, p.GroupSize, p.Mode), nil
	}
	bits := 16
	if p.DType == "float32" {
		bits = 32
	}
	return params, advisor.EstimateWeightBytes(params, bits, 0, ""), nil
}

// MinimumMemory is the least cfg holds at its peak (physics.MinimumMemory), from its
// architecture and its weights estimated at its precision; false when the architecture is not
// known here (a Hugging Face id, or a folder without a readable config.json).
func MinimumMemory(cat *engine.Catalog, sh *Shapes, cfg engine.Config) (physics.MemoryFloor, bool) {
	model := cfg.Model
	if ref, err := cat.ResolveModel(model); err == nil {
		model = ref.Arg // a checkpoint folder by its absolute path
	}
	shape, ok := sh.Of(model, "")
	if !ok {
		return physics.MemoryFloor{}, false
	}
	params, weights, err := EstimateWeights(cat, shape, cfg.Precision)
	if err != nil {
		return physics.MemoryFloor{}, false
	}
	q := advisor.Query{Model: cfg.Model, Params: params, WeightBytes: weights, Shape: shape, Precision: cfg.Precision,
		Context: cfg.Context, Generate: cfg.Generate, Batch: cfg.Batch}
	return physics.MinimumMemory(q, engine.PrefillChunk), true
}

// LeftOut counts the runs observations did not pass on, so the user can be told why.
type LeftOut struct {
	Hot          int // measured while the machine throttled
	Unstable     int // repetitions that stepped between two levels (engine.StabilityShift)
	UnknownShape int // of a model whose architecture could not be read
}

// observations turns stored runs into what the advisor learns from: successful and
// out-of-memory runs of models whose shape is known. Runs measured while the machine was hot
// (serious or critical thermal pressure) are left out unless includeHot.
// Include says which runs a fit learns from beyond the usual ones. Runs
// measured hot are left out unless Hot. Runs whose repetitions stepped
// between two levels are kept unless SkipUnstable: the advisor fits a
// configuration at its fastest run, and such a run often holds the host's
// fast state where a steady run of the same configuration met only its slow
// one (on an H200, leaving them out raised decode error from 8.6% to 11.5%).
type Include struct {
	Hot          bool // measured while the machine was hot
	SkipUnstable bool // leave out repetitions at two levels
}

func Observations(runs []storage.Run, cat *engine.Catalog, m MachineInfo, include Include) ([]advisor.Observation, LeftOut) {
	var (
		obs  []advisor.Observation
		left LeftOut
		sh   = NewShapes(cat)
	)
	for _, r := range runs {
		if r.Status != storage.StatusOK && r.Status != storage.StatusOOM {
			continue
		}
		if Hot(r) && !include.Hot {
			left.Hot++
			continue
		}
		if r.Stability == engine.StabilityShift && include.SkipUnstable {
			left.Unstable++
			continue
		}
		o, ok := Observation(r, cat, sh, m)
		if !ok {
			left.UnknownShape++
			continue
		}
		obs = append(obs, o)
	}
	return obs, left
}

func Observation(r storage.Run, cat *engine.Catalog, sh *Shapes, m MachineInfo) (advisor.Observation, bool) {
	shape, ok := sh.Of(r.Model, r.WeightsPath)
	if !ok {
		return advisor.Observation{}, false
	}
	o := advisor.Observation{
		RunID: r.ID, Model: r.Model, Precision: r.Precision, Status: r.Status,
		Params: r.Params, WeightBytes: r.WeightBytes, Shape: shape,
		Context: r.Context, Generate: r.Generate, Batch: r.Batch,
		MemoryLimitBytes: r.MemoryLimitBytes,
	}
	switch {
	case r.PeakBandwidthGBs != nil && *r.PeakBandwidthGBs > 0:
		// The worker knew the device's nominal bandwidth (a GPU it recognised).
		o.BandwidthGBs = *r.PeakBandwidthGBs
	case r.MachineID == m.ID:
		o.BandwidthGBs = m.BandwidthGBs
	}
	// A run that failed before loading its model has no counts; an estimate places it.
	if o.Params <= 0 || o.WeightBytes <= 0 {
		p, w, err := EstimateWeights(cat, shape, r.Precision)
		if err != nil {
			return advisor.Observation{}, false
		}
		o.Params, o.WeightBytes = p, w
	}
	if r.DecodeMsPerToken != nil {
		o.DecodeMsPerToken = *r.DecodeMsPerToken
	}
	if r.TTFTMs != nil {
		o.TTFTMs = *r.TTFTMs
	}
	if r.PeakMemoryBytes != nil {
		o.PeakMemoryBytes = *r.PeakMemoryBytes
	}
	return o, true
}

// Fitted is a fit ready to use, with what it was made from.
type Fitted struct {
	Fit     *advisor.Fit
	Record  *storage.FitRecord
	Trained bool // made now, rather than read from the database
	Machine MachineInfo
	Runs    []storage.Run // every stored run, newest first
	Left    LeftOut       // runs the fit did not see, when trained now
}

// FitRequest says which fit a command needs.
type FitRequest struct {
	ThresholdMs float64
	Refit       bool // train even when the stored fit is current
	IncludeHot  bool // train on runs measured while the machine was hot too
	// ExcludeUnstable leaves out runs whose repetitions stepped between two levels.
	ExcludeUnstable bool
}

// CurrentFit returns the newest stored fit for the interactive threshold when it has seen
// every stored run, and otherwise trains one on all runs and stores it, so the next reader
// finds it ready. Errors from training (too little data) say what to measure. A fit that fit
// --include-hot stored is used like any other until new runs land.
func CurrentFit(ctx context.Context, store *storage.DB, cat *engine.Catalog, thresholdMs float64, forceRefit bool) (*Fitted, error) {
	return FitFor(ctx, store, cat, FitRequest{ThresholdMs: thresholdMs, Refit: forceRefit})
}

func FitFor(ctx context.Context, store *storage.DB, cat *engine.Catalog, req FitRequest) (*Fitted, error) {
	m, err := ThisMachine(ctx, store)
	if err != nil {
		return nil, err
	}
	runs, err := store.Runs(ctx, storage.RunFilter{})
	if err != nil {
		return nil, err
	}
	var maxID int64
	for _, r := range runs {
		maxID = max(maxID, r.ID)
	}
	f := &Fitted{Machine: m, Runs: runs}
	if !req.Refit {
		rec, err := store.LatestFit(ctx, req.ThresholdMs)
		switch {
		case err == nil && rec.MaxRunID >= maxID:
			var fit advisor.Fit
			// A fit this version cannot read is simply made again.
			if json.Unmarshal(rec.Model, &fit) == nil {
				f.Fit, f.Record = &fit, rec
				return f, nil
			}
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			return nil, err
		}
	}

	obs, left := Observations(runs, cat, m, Include{Hot: req.IncludeHot, SkipUnstable: req.ExcludeUnstable})
	f.Left = left
	if len(runs) == 0 {
		return nil, fmt.Errorf("there are no runs in %s to learn from yet: measure a few models and contexts first, e.g.\n"+
			"inferbench sweep --model gpt2,gpt2-medium,gpt2-large --precision fp16,fp32 --context 128-512*2", store.Path())
	}
	fit, err := advisor.Train(obs, advisor.Options{ThresholdMs: req.ThresholdMs})
	if err != nil {
		if left.Hot > 0 {
			err = fmt.Errorf("%w\n(left out: %s measured while the machine was hot or throttled; --include-hot learns from those too)", err, countOf(left.Hot, "run"))
		}
		return nil, err
	}
	model, err := json.Marshal(fit)
	if err != nil {
		return nil, fmt.Errorf("encode the fit: %w", err)
	}
	metrics, err := json.Marshal(fit.Metrics)
	if err != nil {
		return nil, fmt.Errorf("encode the fit's metrics: %w", err)
	}
	rec := &storage.FitRecord{CreatedAt: fit.CreatedAt, NRuns: fit.NRuns, MaxRunID: maxID,
		ThresholdMs: req.ThresholdMs, Model: model, Metrics: metrics}
	if _, err := store.SaveFit(ctx, rec); err != nil {
		return nil, err
	}
	f.Fit, f.Record, f.Trained = fit, rec, true
	return f, nil
}

// query builds the advisor's query for a configuration: params and weight bytes from the
// newest run of the model at that precision when there is one (the loaded model's exact
// counts), else estimated from its shape.
func (f *Fitted) Query(cat *engine.Catalog, sh *Shapes, model, precision string, context, generate, batch int) (advisor.Query, error) {
	shape, ok := sh.Of(model, "")
	var params, weights int64
	for _, r := range f.Runs {
		if r.Model == model && r.Precision == precision && r.Params > 0 && r.WeightBytes > 0 {
			params, weights = r.Params, r.WeightBytes
			if !ok {
				shape, ok = sh.Of(model, r.WeightsPath)
			}
			break
		}
	}
	if !ok {
		return advisor.Query{}, fmt.Errorf("the architecture of %s is unknown: use a catalog model or a checkpoint folder with a readable config.json", model)
	}
	if params == 0 {
		var err error
		if params, weights, err = EstimateWeights(cat, shape, precision); err != nil {
			return advisor.Query{}, err
		}
	}
	return advisor.Query{Model: model, Params: params, WeightBytes: weights, Shape: shape, Precision: precision,
		Context: context, Generate: generate, Batch: batch, BandwidthGBs: f.Machine.BandwidthGBs}, nil
}

// Measured returns the run that stands for a configuration measured on this machine, as the fit
// counts it: its fastest successful run (least decode ms/token; see advisor.Combine), or an
// out-of-memory run when none succeeded; nil when it was not measured.
func (f *Fitted) Measured(model, precision string, context, generate, batch int) *storage.Run {
	var best *storage.Run
	for _, r := range f.runsOf(model, precision, context, generate, batch) {
		switch {
		case r.Status == storage.StatusOK:
			if best == nil || best.Status != storage.StatusOK || *r.DecodeMsPerToken < *best.DecodeMsPerToken {
				best = r
			}
		case best == nil:
			best = r
		}
	}
	return best
}

// runsOf lists this machine's runs of a configuration that speak for it: out-of-memory ones, and
// successful ones with a decode latency measured while the machine was not hot.
func (f *Fitted) runsOf(model, precision string, context, generate, batch int) []*storage.Run {
	var out []*storage.Run
	for i, r := range f.Runs {
		if r.MachineID != f.Machine.ID || r.Model != model || r.Precision != precision ||
			r.Context != context || r.Generate != generate || r.Batch != batch {
			continue
		}
		if r.Status == storage.StatusOOM || r.Status == storage.StatusOK && !Hot(r) && r.DecodeMsPerToken != nil {
			out = append(out, &f.Runs[i])
		}
	}
	return out
}

// countOf counts a noun in words: "1 run", "3 runs".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
