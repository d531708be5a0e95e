package advisor

// Memory is the least a configuration holds at its peak: its weights, its KV cache at the end
// of generation, and the activations of its widest step. It leaves out what only a measurement
// sees (MLX's buffer cache, the framework, temporaries between kernels), so a measured peak is
// above it; a configuration whose Memory exceeds a machine's memory cannot run there.
type Memory struct {
	Weights, KVCache, Activations int64
}

// Total is the sum of the parts, at most math.MaxInt64.
func (m Memory) Total() int64 {
	return bytes(float64(m.Weights) + float64(m.KVCache) + float64(m.Activations))
}

// MinimumMemory estimates a configuration's Memory from the physics the memory models are fitted
// on (derive): the weights as q gives them, the KV cache of every position of every sequence,
// and the activations of the widest step: the MLP's over one prefill chunk of at most chunk
// tokens (the worker prefills in chunks; 0 is the whole prompt at once), plus one step's logits.
func MinimumMemory(q Query, chunk int) Memory {
	p := derive(q)
	share := 1.0
	if chunk > 0 && float64(chunk) < p.context {
		share = float64(chunk) / p.context
	}
	logits := p.batch * float64(max(q.Shape.Vocab, 0)) * elementBytes(q.Precision, p.bitsPerWeight)
	return Memory{Weights: bytes(p.weightBytes), KVCache: bytes(p.kvBytes), Activations: bytes(p.actBytes*share + logits)}
}
