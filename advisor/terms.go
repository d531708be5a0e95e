package advisor

// Term names, so that a fitted rate can be read back by what it pays for.
// A per-precision term's name carries the precision: "layers@fp16".
const (
	termLayers               = "layers"
	termWeights              = "weights"
	termFlops                = "flops"
	termRowFlops             = "row_flops"
	termLayerRows            = "layer_rows"
	termKVRead               = "kv_read"
	termAttention            = "attention"
	termAttentionFlops       = "attention_flops"
	termLibraryAttention     = "library_attention"
	termLibraryAttentionRows = "library_attention_rows"
	termBiases               = "biases"
	termKVCache              = "kv_cache"
	termHidden               = "hidden"
	termMLP                  = "mlp"
	termLogits               = "logits"
	termActivation           = "activation"
	termScores               = "scores"
)

// termSet is the terms a physical model sums, in order, with their names.
type termSet struct {
	names []string
	vals  []float64
}

func (ts *termSet) add(name string, v float64) {
	ts.names = append(ts.names, name)
	ts.vals = append(ts.vals, v)
}

// perPrecision adds one copy of the term per known precision, each scaled by
// how much of that precision's rate applies (see precisionWeights). With no
// precision known, one rate serves all.
func (ts *termSet) perPrecision(name string, known []string, w []float64, v float64) {
	if len(known) == 0 {
		ts.add(name, v)
		return
	}
	for k, pr := range known {
		ts.add(name+"@"+pr, w[k]*v)
	}
}

// index is the position of the named term, or -1.
func (ts termSet) index(name string) int {
	for i, n := range ts.names {
		if n == name {
			return i
		}
	}
	return -1
}
