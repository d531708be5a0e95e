package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/sensors"
	"github.com/inferbench/inferbench/storage"
)

// machineInfo is what the advisor needs of the machine the command runs on.
type machineInfo struct {
	ID           int64 // its row in the database
	Chip         string
	MemoryBytes  int64   // 0 when unknown
	BandwidthGBs float64 // nominal memory bandwidth, 0 when unknown
}

// thisMachine identifies the machine in the database. Storage offers no way to read a stored
// machine's chip, so only runs measured here are given a bandwidth (this chip's); runs from
// elsewhere count as of unknown bandwidth, which the advisor learns an effective one for.
func thisMachine(ctx context.Context, store *storage.DB) (machineInfo, error) {
	m := engine.DetectMachine()
	// Recording the machine is the only way to learn its id; every run here records it anyway.
	id, err := store.UpsertMachine(ctx, storageMachine(m))
	if err != nil {
		return machineInfo{}, fmt.Errorf("identify this machine: %w", err)
	}
	return machineInfo{ID: id, Chip: m.Chip, MemoryBytes: m.MemoryBytes, BandwidthGBs: engine.PeakBandwidthGBs("", m.Chip)}, nil
}

// hot reports whether a run was measured while the machine throttled; its speed says more
// about the heat than about the configuration.
func hot(r storage.Run) bool {
	t := sensors.Thermal(r.ThermalWorst)
	return t == sensors.ThermalSerious || t == sensors.ThermalCritical
}

// shapes finds model architectures: catalog entries by name, checkpoint folders by their
// config.json. Results are cached, as a database holds many runs of each model.
type shapes struct {
	cat   *engine.Catalog
	cache map[string]*advisor.Shape // nil: not known
}

func newShapes(cat *engine.Catalog) *shapes {
	return &shapes{cat: cat, cache: map[string]*advisor.Shape{}}
}

// of returns the shape of a model, given its name (a catalog name or a folder) and the folder
// its weights came from, if any.
func (s *shapes) of(model, weightsPath string) (advisor.Shape, bool) {
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
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return advisor.Shape{}, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		return advisor.Shape{}, fmt.Errorf("%s: %w", filepath.Join(dir, "config.json"), err)
	}
	sh, err := advisor.ShapeFromConfig(cfg)
	if text, ok := cfg["text_config"].(map[string]any); err != nil && ok {
		return advisor.ShapeFromConfig(text)
	}
	return sh, err
}

// estimateWeights approximates the parameters and weight bytes of a model never loaded at a
// precision.
func estimateWeights(cat *engine.Catalog, sh advisor.Shape, precision string) (params, weightBytes int64, err error) {
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

// leftOut counts the runs observations did not pass on, so the user can be told why.
type leftOut struct {
	hot          int // measured while the machine throttled
	unknownShape int // of a model whose architecture could not be read
}

// observations turns stored runs into what the advisor learns from: successful and
// out-of-memory runs of models whose shape is known. Runs measured while the machine was hot
// (serious or critical thermal pressure) are left out unless includeHot.
func observations(runs []storage.Run, cat *engine.Catalog, m machineInfo, includeHot bool) ([]advisor.Observation, leftOut) {
	var (
		obs  []advisor.Observation
		left leftOut
		sh   = newShapes(cat)
	)
	for _, r := range runs {
		if r.Status != storage.StatusOK && r.Status != storage.StatusOOM {
			continue
		}
		if hot(r) && !includeHot {
			left.hot++
			continue
		}
		o, ok := observation(r, cat, sh, m)
		if !ok {
			left.unknownShape++
			continue
		}
		obs = append(obs, o)
	}
	return obs, left
}

func observation(r storage.Run, cat *engine.Catalog, sh *shapes, m machineInfo) (advisor.Observation, bool) {
	shape, ok := sh.of(r.Model, r.WeightsPath)
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
		p, w, err := estimateWeights(cat, shape, r.Precision)
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

// fitted is a fit ready to use, with what it was made from.
type fitted struct {
	fit     *advisor.Fit
	record  *storage.FitRecord
	trained bool // made now, rather than read from the database
	machine machineInfo
	runs    []storage.Run // every stored run, newest first
	left    leftOut       // runs the fit did not see, when trained now
}

// fitRequest says which fit a command needs.
type fitRequest struct {
	thresholdMs float64
	refit       bool // train even when the stored fit is current
	includeHot  bool // train on runs measured while the machine was hot too
}

// currentFit returns the newest stored fit for the interactive threshold when it has seen
// every stored run, and otherwise trains one on all runs and stores it, so the next reader
// finds it ready. Errors from training (too little data) say what to measure. A fit that fit
// --include-hot stored is used like any other until new runs land.
func currentFit(ctx context.Context, store *storage.DB, cat *engine.Catalog, thresholdMs float64, forceRefit bool) (*fitted, error) {
	return fitFor(ctx, store, cat, fitRequest{thresholdMs: thresholdMs, refit: forceRefit})
}

func fitFor(ctx context.Context, store *storage.DB, cat *engine.Catalog, req fitRequest) (*fitted, error) {
	m, err := thisMachine(ctx, store)
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
	f := &fitted{machine: m, runs: runs}
	if !req.refit {
		rec, err := store.LatestFit(ctx, req.thresholdMs)
		switch {
		case err == nil && rec.MaxRunID >= maxID:
			var fit advisor.Fit
			// A fit this version cannot read is simply made again.
			if json.Unmarshal(rec.Model, &fit) == nil {
				f.fit, f.record = &fit, rec
				return f, nil
			}
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			return nil, err
		}
	}

	obs, left := observations(runs, cat, m, req.includeHot)
	f.left = left
	if len(runs) == 0 {
		return nil, fmt.Errorf("there are no runs in %s to learn from yet: measure a few models and contexts first, e.g.\n"+
			"inferbench sweep --model gpt2,gpt2-medium,gpt2-large --precision fp16,fp32 --context 128-1024*2", store.Path())
	}
	fit, err := advisor.Train(obs, advisor.Options{ThresholdMs: req.thresholdMs})
	if err != nil {
		if left.hot > 0 {
			err = fmt.Errorf("%w\n(left out: %s measured while the machine was hot; --include-hot learns from those too)", err, countOf(left.hot, "run"))
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
		ThresholdMs: req.thresholdMs, Model: model, Metrics: metrics}
	if _, err := store.SaveFit(ctx, rec); err != nil {
		return nil, err
	}
	f.fit, f.record, f.trained = fit, rec, true
	return f, nil
}

// query builds the advisor's query for a configuration: params and weight bytes from the
// newest run of the model at that precision when there is one (the loaded model's exact
// counts), else estimated from its shape.
func (f *fitted) query(cat *engine.Catalog, sh *shapes, model, precision string, context, generate, batch int) (advisor.Query, error) {
	shape, ok := sh.of(model, "")
	var params, weights int64
	for _, r := range f.runs {
		if r.Model == model && r.Precision == precision && r.Params > 0 && r.WeightBytes > 0 {
			params, weights = r.Params, r.WeightBytes
			if !ok {
				shape, ok = sh.of(model, r.WeightsPath)
			}
			break
		}
	}
	if !ok {
		return advisor.Query{}, fmt.Errorf("the architecture of %s is unknown: use a catalog model or a checkpoint folder with a readable config.json", model)
	}
	if params == 0 {
		var err error
		if params, weights, err = estimateWeights(cat, shape, precision); err != nil {
			return advisor.Query{}, err
		}
	}
	return advisor.Query{Model: model, Params: params, WeightBytes: weights, Shape: shape, Precision: precision,
		Context: context, Generate: generate, Batch: batch, BandwidthGBs: f.machine.BandwidthGBs}, nil
}

// measured returns the newest run of exactly this configuration on this machine that ran
// (ok) or ran out of memory, or nil. A successful run measured while hot is passed over: it
// is slower than the configuration is.
func (f *fitted) measured(model, precision string, context, generate, batch int) *storage.Run {
	for i, r := range f.runs {
		if r.MachineID != f.machine.ID || r.Model != model || r.Precision != precision ||
			r.Context != context || r.Generate != generate || r.Batch != batch {
			continue
		}
		if r.Status == storage.StatusOOM || r.Status == storage.StatusOK && !hot(r) && r.DecodeMsPerToken != nil {
			return &f.runs[i]
		}
	}
	return nil
}

// warnFit writes the fit's warnings to stderr, so that no prediction is shown from a fit that
// should not be trusted without saying so.
func warnFit(stderr io.Writer, f *fitted) {
	for _, w := range f.fit.Metrics.Warnings {
		fmt.Fprintf(stderr, "inferbench: warning: %s\n", w)
	}
}

// fitSummary describes a fit in one line.
func fitSummary(f *fitted) string {
	how := "stored"
	if f.trained {
		how = "made now"
	}
	return fmt.Sprintf("fit %d (%s) of %s of %s, interactive under %s ms/token",
		f.record.ID, how, countOf(f.fit.NRuns, "run"), countOf(len(f.fit.Models), "model"), fmtNum(f.fit.ThresholdMs))
}

func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// fmtNum prints a number with as few digits as say it: 200, 1.5.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// fmtMs prints milliseconds to three significant digits.
func fmtMs(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "–"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// pct prints a fraction as a percentage, or "–" when it could not be measured.
func fmtPct(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100**p)
}

// dec prints a number to three decimals, or "–" when it could not be measured.
func fmtDec(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.3f", *p)
}
