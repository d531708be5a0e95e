package regress

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/inferbench/inferbench/advisor/physics"
)

// TestMemoryLearnsItsLiveLayers: runs whose prompt temporaries are those of at most 16 layers
// (deep models hold less than every layer's) give a memory model with that window, and runs that
// hold every layer's give one without a window.
func TestMemoryLearnsItsLiveLayers(t *testing.T) {
	for _, tt := range []struct {
		name   string
		window float64 // the window the runs were made with
	}{
		{"a window of 16 layers", 16},
		{"every layer", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 13))
			var rows []physics.Quantities
			var y []float64
			var keys []string
			for _, layers := range []int{12, 16, 24, 36, 48} {
				name := fmt.Sprintf("m%d", layers)
				s := physics.Shape{Layers: layers, Hidden: 1024, Heads: 16, KVHeads: 16, HeadDim: 64, Intermediate: 4096, Vocab: 32000}
				params := physics.EstimateParams(s)
				for _, pr := range []string{"fp16", "int8"} {
					bytes := float64(params) * 2
					if pr == "int8" {
						bytes = float64(params) * 1.06
					}
					for _, ctx := range []int{128, 512, 960} {
						for _, batch := range []int{1, 8} {
							q := physics.Query{Model: name, Params: params, WeightBytes: int64(bytes), Shape: s, Precision: pr,
								Context: ctx, Generate: 64, Batch: batch}
							p := physics.Derive(q)
							held := p.WithLiveLayers(tt.window)
							v := 50e6 + p.WeightBytes + 1.1*p.KVBytes + 3*held.HiddenBytes + 2*held.MLPBytes + 4*p.ActBytes
							rows, keys = append(rows, p), append(keys, q.Key())
							y = append(y, v*math.Exp(0.01*rng.NormFloat64()))
						}
					}
				}
			}
			m, err := Train(physics.Memory, KindOverhead, rows, y, keys, Options{}.WithDefaults())
			if err != nil {
				t.Fatal(err)
			}
			if m.LiveLayers != tt.window {
				t.Errorf("window %g layers, want %g", m.LiveLayers, tt.window)
			}
			// The decode model has no window: its terms do not count the prompt's temporaries.
			d, err := Train(physics.Decode, KindOverhead, rows, y, keys, Options{}.WithDefaults())
			if err != nil {
				t.Fatal(err)
			}
			if d.LiveLayers != 0 {
				t.Errorf("decode window %g, want none", d.LiveLayers)
			}
		})
	}
}
