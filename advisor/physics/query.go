package physics

import (
	"fmt"
	"strings"
)

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

// Key identifies a configuration: repeated runs of one configuration share it,
// so validation never trains on one and tests on its twin.
func (q Query) Key() string {
	return ConfigKey(q.Model, q.Precision, q.Context, q.Generate, q.Batch, q.BandwidthGBs)
}

// ConfigKey is the key of a configuration given by its parts; a part left at
// its zero value groups every configuration that differs only there.
func ConfigKey(model, precision string, context, generate, batch int, bandwidthGBs float64) string {
	return fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%d\x00%g", model, precision, context, generate, batch, bandwidthGBs)
}

// KeyModel is the model a configuration key names.
func KeyModel(key string) string {
	model, _, _ := strings.Cut(key, "\x00")
	return model
}
