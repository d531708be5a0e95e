package physics

import (
	"math"
	"testing"
)

func TestMinimumMemory(t *testing.T) {
	gpt2 := Shape{Layers: 12, Hidden: 768, Heads: 12, KVHeads: 12, HeadDim: 64, Intermediate: 3072, Vocab: 50257}
	q := func(precision string, weights int64, context, generate, batch int) Query {
		return Query{Model: "gpt2", Params: 124e6, WeightBytes: weights, Shape: gpt2, Precision: precision,
			Context: context, Generate: generate, Batch: batch}
	}
	const kv32 = 2 * 12 * 12 * 64 * 4 // K and V of one token over every layer, in fp32
	tests := []struct {
		name  string
		q     Query
		chunk int
		want  MemoryFloor
	}{
		{"fp32, one sequence", q("fp32", 500e6, 128, 32, 1), 2048,
			MemoryFloor{Weights: 500e6, KVCache: kv32 * 160, Activations: 128*3072*4 + 50257*4}},
		{"fp16 halves the cache and the activations", q("fp16", 250e6, 128, 32, 1), 2048,
			MemoryFloor{Weights: 250e6, KVCache: kv32 / 2 * 160, Activations: 128*3072*2 + 50257*2}},
		{"a batch multiplies all but the weights", q("fp32", 500e6, 128, 32, 8), 2048,
			MemoryFloor{Weights: 500e6, KVCache: 8 * kv32 * 160, Activations: 8 * (128*3072*4 + 50257*4)}},
		{"a long prompt is prefilled one chunk at a time", q("fp32", 500e6, 8192, 32, 1), 2048,
			MemoryFloor{Weights: 500e6, KVCache: kv32 * 8224, Activations: 2048*3072*4 + 50257*4}},
		{"no chunk: the whole prompt at once", q("fp32", 500e6, 8192, 32, 1), 0,
			MemoryFloor{Weights: 500e6, KVCache: kv32 * 8224, Activations: 8192*3072*4 + 50257*4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MinimumMemory(tt.q, tt.chunk)
			if got != tt.want {
				t.Fatalf("MinimumMemory = %+v, want %+v", got, tt.want)
			}
			if got.Total() != tt.want.Weights+tt.want.KVCache+tt.want.Activations {
				t.Errorf("Total = %d", got.Total())
			}
		})
	}
	// Counts at the protocol's limit do not overflow into a small or negative size.
	huge := MinimumMemory(q("fp32", 500e6, math.MaxInt32, math.MaxInt32, math.MaxInt32), 2048)
	if huge.KVCache != math.MaxInt64 || huge.Total() != math.MaxInt64 {
		t.Fatalf("at the limits: %+v, total %d", huge, huge.Total())
	}
}

func TestWithLiveLayers(t *testing.T) {
	shape := Shape{Layers: 48, Hidden: 1600, Heads: 25, KVHeads: 25, HeadDim: 64, Intermediate: 6400, Vocab: 50257}
	p := Derive(Query{Model: "gpt2-xl", Params: 1.5e9, WeightBytes: 3e9, Shape: shape, Precision: "fp16", Context: 512, Generate: 64, Batch: 8})
	tests := []struct {
		name   string
		window float64
		share  float64 // of the per-layer temporaries still counted
	}{
		{"0 counts every layer", 0, 1},
		{"a window as deep as the model counts every layer", 48, 1},
		{"a wider window counts every layer", 64, 1},
		{"12 of 48 layers", 12, 0.25},
		{"20 of 48 layers", 20, 20.0 / 48},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.WithLiveLayers(tt.window)
			if math.Abs(got.HiddenBytes-tt.share*p.HiddenBytes) > 1 || math.Abs(got.MLPBytes-tt.share*p.MLPBytes) > 1 {
				t.Errorf("hidden %g, MLP %g; want %g and %g", got.HiddenBytes, got.MLPBytes, tt.share*p.HiddenBytes, tt.share*p.MLPBytes)
			}
			// Only the per-layer temporaries move: the weights, the KV cache and one layer's activation stay.
			got.HiddenBytes, got.MLPBytes = p.HiddenBytes, p.MLPBytes
			if got != p {
				t.Errorf("other quantities changed: %+v, want %+v", got, p)
			}
		})
	}
}
