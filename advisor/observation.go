package advisor

import "github.com/inferbench/inferbench/advisor/physics"

// Run statuses the advisor distinguishes; others are ignored.
const (
	StatusOK  = "ok"
	StatusOOM = "oom"
)

// Observation is one stored run as the advisor sees it: successful runs are
// fitted, out-of-memory runs bound the contexts that fit.
type Observation struct {
	RunID     int64  `json:"run_id"`
	Model     string `json:"model"`
	Precision string `json:"precision"`
	Status    string `json:"status"`

	Params      int64 `json:"params"`
	WeightBytes int64 `json:"weight_bytes"`
	Shape       Shape `json:"shape"`

	Context  int `json:"context"`
	Generate int `json:"generate"`
	Batch    int `json:"batch"`

	DecodeMsPerToken float64 `json:"decode_ms_per_token"` // 0 when not measured (generate 1)
	TTFTMs           float64 `json:"ttft_ms"`
	PeakMemoryBytes  int64   `json:"peak_memory_bytes"`

	// MemoryLimitBytes is the budget the run was held to; 0 for the machine's own.
	MemoryLimitBytes int64 `json:"memory_limit_bytes,omitempty"`
	// BandwidthGBs is the machine's memory bandwidth, 0 when unknown (as on a Linux CPU).
	BandwidthGBs float64 `json:"bandwidth_gbs,omitempty"`
}

// Query is a configuration to predict.
type Query = physics.Query

// Shape is a model's architecture as the features need it.
type Shape = physics.Shape

// ShapeFromConfig reads a model configuration as found in the catalog or a
// checkpoint's config.json (see physics.ShapeFromConfig).
func ShapeFromConfig(cfg map[string]any) (Shape, error) { return physics.ShapeFromConfig(cfg) }

// EstimateParams approximates the parameter count of a decoder-only
// transformer of this shape (see physics.EstimateParams).
func EstimateParams(s Shape) int64 { return physics.EstimateParams(s) }

// EstimateWeightBytes approximates the bytes of weights stored at a
// precision (see physics.EstimateWeightBytes).
func EstimateWeightBytes(params int64, bits, groupSize int, mode string) int64 {
	return physics.EstimateWeightBytes(params, bits, groupSize, mode)
}

// Query returns the configuration the observation measured.
func (o Observation) Query() Query {
	return Query{
		Model: o.Model, Params: o.Params, WeightBytes: o.WeightBytes, Shape: o.Shape, Precision: o.Precision,
		Context: o.Context, Generate: o.Generate, Batch: o.Batch, BandwidthGBs: o.BandwidthGBs,
	}
}
