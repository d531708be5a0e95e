package physics

import "math"

// MemoryFloor is the least a configuration holds at its peak: its weights, its KV cache at the end
// of generation, and the activations of its widest step. It leaves out what only a measurement
// sees (MLX's buffer cache, the framework, temporaries between kernels), so a measured peak is
// above it; a configuration whose MemoryFloor exceeds a machine's memory cannot run there.
type MemoryFloor struct {
	Weights, KVCache, Activations int64
}

// Total is the sum of the parts, at most math.MaxInt64.
func (m MemoryFloor) Total() int64 {
	return clampBytes(float64(m.Weights) + float64(m.KVCache) + float64(m.Activations))
}

// MinimumMemory estimates a configuration's MemoryFloor from the quantities the memory models are
// fitted on (Derive): the weights as q gives them, the KV cache of every position of every sequence,
// and the activations of the widest step: the MLP's over one prefill chunk of at most chunk
// tokens (the worker prefills in chunks; 0 is the whole prompt at once), plus one step's logits.
func MinimumMemory(q Query, chunk int) MemoryFloor {
	p := Derive(q)
	share := 1.0
	if chunk > 0 && float64(chunk) < p.Context {
		share = float64(chunk) / p.Context
	}
	logits := p.Batch * float64(max(q.Shape.Vocab, 0)) * ElementBytes(q.Precision, p.BitsPerWeight)
	return MemoryFloor{Weights: clampBytes(p.WeightBytes), KVCache: clampBytes(p.KVBytes), Activations: clampBytes(p.ActBytes*share + logits)}
}

// clampBytes rounds a size to whole bytes, at most math.MaxInt64.
func clampBytes(x float64) int64 {
	if x >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(math.Round(x))
}
