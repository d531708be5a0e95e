package advisor

import (
	"fmt"

	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
)

// Cost is what the decode model learned of one precision's decode step.
type Cost struct {
	Precision string `json:"precision"`
	// PerLayerMs is the time each layer costs whatever its size: kernel
	// launches and synchronisation.
	PerLayerMs float64 `json:"per_layer_ms"`
	// BandwidthGBs is the rate at which the weights are read, as a share of
	// the nominal bandwidth where the machine's is known (Efficiency) and in
	// GB/s where it is not; 0 when the fit found no byte cost.
	BandwidthGBs float64 `json:"bandwidth_gbs,omitempty"`
	Efficiency   float64 `json:"bandwidth_efficiency,omitempty"`
}

// BeyondNominal says the weights' rate is faster than the machine's nominal
// bandwidth, which no memory delivers: where kernel launches bound decode
// (small models on a GPU), the weights' bytes add too little time for the
// runs to pin their rate down, and the per-layer cost takes up the rest.
func (c Cost) BeyondNominal() bool { return c.Efficiency > 1 }

// BeyondNominalNote is what to tell the reader of a rate BeyondNominal.
const BeyondNominalNote = "A rate above 100% of the nominal bandwidth is not a bandwidth: where kernel launches bound decode, " +
	"the weights' bytes add too little time for the runs to pin their rate down; read the per-layer cost."

// AnyBeyondNominal says whether any of costs is BeyondNominal.
func AnyBeyondNominal(costs []Cost) bool {
	for _, c := range costs {
		if c.BeyondNominal() {
			return true
		}
	}
	return false
}

// DecodeCosts reads the decode model's rates per precision, when it is the
// overhead or dispatch kind; nil otherwise. They say where this machine's
// time goes: a large per-layer cost means decode is bound by dispatch, not
// bytes.
func (f *Fit) DecodeCosts() []Cost {
	m := f.Decode
	if m == nil || (m.Kind != regress.KindOverhead && m.Kind != regress.KindDispatch) || m.Physical == nil {
		return nil
	}
	known := m.Physical.Scales != nil
	s := m.Physical.Scales
	if !known {
		s = m.Physical.ScalesUnknownBandwidth
	}
	ts := m.Terms(physics.Quantities{})
	if m.Physical.Intercept {
		s = s[min(1, len(s)):]
	}
	if len(s) != len(ts.Names) {
		return nil
	}
	names := m.Precisions
	if len(names) == 0 {
		names = []string{""}
	}
	rate := func(name, pr string) float64 {
		for _, n := range []string{name + "@" + pr, name} {
			if i := ts.Index(n); i >= 0 {
				return s[i]
			}
		}
		return 0
	}
	out := make([]Cost, len(names))
	for k, pr := range names {
		c := Cost{Precision: pr, PerLayerMs: rate(physics.TermLayers, pr)}
		if pr == "" {
			c.Precision = "all"
		}
		if b := rate(physics.TermWeights, pr); b > 0 {
			if known {
				c.Efficiency = 1 / b
			} else {
				c.BandwidthGBs = 1 / b
			}
		}
		out[k] = c
	}
	return out
}

// MemoryLiveLayers is the window of layers whose prompt temporaries the
// memory model counts at once (physics.WithLiveLayers), when it is the
// overhead kind and the window is narrower than the models; 0 otherwise.
func (f *Fit) MemoryLiveLayers() float64 {
	if m := f.Memory; m != nil && m.Kind == regress.KindOverhead {
		return m.LiveLayers
	}
	return 0
}

// LiveLayersNote says what a memory window of w layers means.
func LiveLayersNote(w float64) string {
	return fmt.Sprintf("Peak memory counts the prompt's per-layer temporaries for at most %g layers at once, a window chosen by "+
		"cross-validation: MLX frees a buffer only once the GPU has run the work that read it, so prefill holds those of "+
		"the layers in flight, not of every layer.", w)
}
