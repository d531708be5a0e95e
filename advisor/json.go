package advisor

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/inferbench/inferbench/advisor/regress"
)

// UnmarshalJSON reloads a stored fit, refusing one this version of
// Inferbench cannot predict with, so that Predict never meets a fit it
// does not understand.
func (f *Fit) UnmarshalJSON(b []byte) error {
	type plain Fit // without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p.Version != FitVersion {
		return fmt.Errorf("the stored fit has layout version %d and this Inferbench reads version %d; fit again", p.Version, FitVersion)
	}
	g := Fit(p)
	if err := g.check(); err != nil {
		return fmt.Errorf("the stored fit is incomplete (%v); fit again", err)
	}
	*f = g
	return nil
}

func (f *Fit) check() error {
	for _, m := range []*regress.Model{f.Decode, f.TTFT, f.Memory} {
		if m == nil {
			return errors.New("a model is missing")
		}
		if err := m.Check(); err != nil {
			return err
		}
	}
	if f.Interactive == nil {
		return errors.New("the interactive classifier is missing")
	}
	return f.Interactive.Check()
}
