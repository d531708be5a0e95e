package advisor

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	for _, m := range []*Model{f.Decode, f.TTFT, f.Memory} {
		if m == nil {
			return errors.New("a model is missing")
		}
		if err := m.check(); err != nil {
			return err
		}
	}
	c := f.Interactive
	switch {
	case c == nil:
		return errors.New("the interactive classifier is missing")
	case c.Kind == classLogistic && c.Logistic == nil:
		return errors.New("the logistic classifier has no weights")
	case c.Kind == classLogistic:
		if len(c.Logistic.Weights) != len(c.Logistic.Design.Names) {
			return errors.New("the classifier's weights do not match its features")
		}
		return c.Logistic.Design.check()
	case c.Kind != classRegression:
		return fmt.Errorf("unknown classifier kind %q", c.Kind)
	}
	return nil
}

func (m *Model) check() error {
	var ok bool
	switch m.Kind {
	case kindBaseline:
		ok = m.Baseline != nil
	case kindRoofline, kindLinear, kindOverhead, kindDispatch:
		ok = m.Physical != nil && (m.Physical.Scales != nil || m.Physical.ScalesUnknownBandwidth != nil)
	case kindRidge:
		ok = m.Design != nil && m.Ridge != nil && len(m.Ridge.Coef) == len(m.Design.Names) &&
			len(m.Ridge.Inverse) == len(m.Ridge.Coef)*len(m.Ridge.Coef)
		if ok {
			if err := m.Design.check(); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown %s model kind %q", m.Target, m.Kind)
	}
	if !ok {
		return fmt.Errorf("the %s model (%s) has no parameters", m.Target, m.Kind)
	}
	return nil
}

func (d *Design) check() error {
	if len(d.Mean) != len(d.Names) || len(d.Scale) != len(d.Names) {
		return errors.New("a feature standardization is incomplete")
	}
	for _, name := range d.Names {
		if rest, ok := strings.CutPrefix(name, precisionPrefix); ok {
			_, name, ok = strings.Cut(rest, "*")
			if !ok {
				continue
			}
		}
		if _, err := numericFeature(physics{}, name); err != nil {
			return err
		}
	}
	return nil
}
