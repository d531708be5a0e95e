package advice

import (
	"fmt"

	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/engine"
)

// candidates builds the advisor's candidates at one context: every model × precision × batch
// within the model's positions, with the measured run attached where one exists. It also
// names the models the context is too long for.
func (f *Fitted) Candidates(cat *engine.Catalog, sh *Shapes, models, precisions []string, context, generate int, batches []int) ([]advisor.Candidate, []string, error) {
	var (
		cands  []advisor.Candidate
		beyond []string
	)
	for _, m := range models {
		cm, _ := cat.Model(m)
		if cm.MaxPositions > 0 && context+generate > cm.MaxPositions {
			beyond = append(beyond, fmt.Sprintf("%s at context %d (%d positions)", m, context, cm.MaxPositions))
			continue
		}
		for _, p := range precisions {
			for _, b := range batches {
				q, err := f.Query(cat, sh, m, p, context, generate, b)
				if err != nil {
					return nil, nil, err
				}
				cand := advisor.Candidate{Query: q}
				if o, ok := f.measuredObservation(cat, sh, m, p, context, generate, b); ok {
					cand.Measured = &o
				}
				cands = append(cands, cand)
			}
		}
	}
	return cands, beyond, nil
}

// measuredObservation is a configuration measured on this machine as the fit counts it: its
// successful runs combined (advisor.Combine, which passes over the rest), or, when none
// succeeded, an out-of-memory run.
func (f *Fitted) measuredObservation(cat *engine.Catalog, sh *Shapes, model, precision string, context, generate, batch int) (advisor.Observation, bool) {
	var obs []advisor.Observation
	for _, r := range f.runsOf(model, precision, context, generate, batch) {
		if o, known := Observation(*r, cat, sh, f.Machine); known {
			obs = append(obs, o)
		}
	}
	if c := advisor.Combine(obs); len(c) > 0 {
		return c[0], true
	}
	if len(obs) > 0 {
		return obs[0], true
	}
	return advisor.Observation{}, false
}
