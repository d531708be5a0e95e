package physics

// Term names, so that a fitted rate can be read back by what it pays for.
// A per-precision term's name carries the precision: "layers@fp16".
const (
	TermLayers               = "layers"
	TermWeights              = "weights"
	TermFlops                = "flops"
	TermRowFlops             = "row_flops"
	TermLayerRows            = "layer_rows"
	TermKVRead               = "kv_read"
	TermAttention            = "attention"
	TermAttentionFlops       = "attention_flops"
	TermLibraryAttention     = "library_attention"
	TermLibraryAttentionRows = "library_attention_rows"
	TermBiases               = "biases"
	TermKVCache              = "kv_cache"
	TermHidden               = "hidden"
	TermMLP                  = "mlp"
	TermLogits               = "logits"
	TermActivation           = "activation"
	TermScores               = "scores"
)

// TermSet is the terms a physical model sums, in order, with their names.
type TermSet struct {
	Names []string
	Vals  []float64
}

func (ts *TermSet) add(name string, v float64) {
	ts.Names = append(ts.Names, name)
	ts.Vals = append(ts.Vals, v)
}

// perPrecision adds one copy of the term per known precision, each scaled by
// how much of that precision's rate applies (see PrecisionWeights). With no
// precision known, one rate serves all.
func (ts *TermSet) perPrecision(name string, known []string, w []float64, v float64) {
	if len(known) == 0 {
		ts.add(name, v)
		return
	}
	for k, pr := range known {
		ts.add(name+"@"+pr, w[k]*v)
	}
}

// Index is the position of the named term, or -1.
func (ts TermSet) Index(name string) int {
	for i, n := range ts.Names {
		if n == name {
			return i
		}
	}
	return -1
}
