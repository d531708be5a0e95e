package advisor

import "fmt"

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
type Query struct {
	Model       string `json:"model"`
	Params      int64  `json:"params"`
	WeightBytes int64  `json:"weight_bytes"`
	Shape       Shape  `json:"shape"`
	Precision   string `json:"precision"`

	Context  int `json:"context"`
	Generate int `json:"generate"`
	Batch    int `json:"batch"`

	BandwidthGBs float64 `json:"bandwidth_gbs,omitempty"`
}

// Query returns the configuration the observation measured.
func (o Observation) Query() Query {
	return Query{
		Model: o.Model, Params: o.Params, WeightBytes: o.WeightBytes, Shape: o.Shape, Precision: o.Precision,
		Context: o.Context, Generate: o.Generate, Batch: o.Batch, BandwidthGBs: o.BandwidthGBs,
	}
}

// key identifies a configuration: repeated runs of one configuration share it,
// so validation never trains on one and tests on its twin.
func (q Query) key() string {
	return fmtKey(q.Model, q.Precision, q.Context, q.Generate, q.Batch, q.BandwidthGBs)
}

func fmtKey(model, precision string, c, g, b int, bw float64) string {
	return fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%d\x00%g", model, precision, c, g, b, bw)
}
