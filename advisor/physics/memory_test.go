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
