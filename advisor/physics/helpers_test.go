package physics

import (
	"encoding/json"
	"os"
	"testing"
)

// catalogShapes reads the model configurations from the worker's catalog,
// the same file the app ships.
func catalogShapes(t *testing.T) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../Resources/worker/inferbench_worker/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Models []struct {
			Name   string         `json:"name"`
			Config map[string]any `json:"config"`
		} `json:"models"`
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, m := range cat.Models {
		out[m.Name] = m.Config
	}
	return out
}
