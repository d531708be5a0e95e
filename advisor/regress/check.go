package regress

import (
	"errors"
	"fmt"
	"strings"

	"github.com/inferbench/inferbench/advisor/physics"
)

// Check says whether a model reloaded from JSON has what its kind needs to
// predict, so that a stored model this version cannot use is refused rather
// than met at prediction.
func (m *Model) Check() error {
	var ok bool
	switch m.Kind {
	case KindBaseline:
		ok = m.Baseline != nil
	case KindRoofline, KindLinear, KindOverhead, KindDispatch:
		ok = m.Physical != nil && (m.Physical.Scales != nil || m.Physical.ScalesUnknownBandwidth != nil)
	case KindRidge:
		ok = m.Design != nil && m.Ridge != nil && len(m.Ridge.Coef) == len(m.Design.Names) &&
			len(m.Ridge.Inverse) == len(m.Ridge.Coef)*len(m.Ridge.Coef)
		if ok {
			if err := m.Design.Check(); err != nil {
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

// Check says whether a reloaded design is complete and names only features
// this version computes.
func (d *Design) Check() error {
	if len(d.Mean) != len(d.Names) || len(d.Scale) != len(d.Names) {
		return errors.New("a feature standardization is incomplete")
	}
	for _, name := range d.Names {
		if rest, ok := strings.CutPrefix(name, physics.PrecisionPrefix); ok {
			_, name, ok = strings.Cut(rest, "*")
			if !ok {
				continue
			}
		}
		if _, err := physics.Feature(physics.Quantities{}, name); err != nil {
			return err
		}
	}
	return nil
}
