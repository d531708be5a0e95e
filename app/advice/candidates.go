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
				if r := f.Measured(m, p, context, generate, b); r != nil {
					if o, ok := Observation(*r, cat, sh, f.Machine); ok {
						cand.Measured = &o
					}
				}
				cands = append(cands, cand)
			}
		}
	}
	return cands, beyond, nil
}
