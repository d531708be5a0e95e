package regress

import (
	"math"
	"slices"
	"strings"

	"github.com/inferbench/inferbench/advisor/physics"
)

// Design turns a configuration's quantities into a standardized feature row. Standardizing lets
// one ridge penalty treat features on different scales alike.
type Design struct {
	Names []string  `json:"features"`
	Mean  []float64 `json:"mean"`
	Scale []float64 `json:"scale"`
}

// raw computes the unstandardized features. A precision the design has not
// seen gets each one-hot column's training mean: the average precision, as
// far as the data can tell.
func (d Design) raw(p physics.Quantities, mean func(col string) float64) ([]float64, error) {
	seen := slices.Contains(d.Names, physics.PrecisionPrefix+p.Precision)
	x := make([]float64, len(d.Names))
	for j, name := range d.Names {
		if !strings.HasPrefix(name, physics.PrecisionPrefix) {
			v, err := physics.Feature(p, name)
			if err != nil {
				return nil, err
			}
			x[j] = v
			continue
		}
		pr, of, interaction := strings.Cut(strings.TrimPrefix(name, physics.PrecisionPrefix), "*")
		e := 0.0
		switch {
		case !seen && mean != nil:
			e = mean(physics.PrecisionPrefix + pr)
		case pr == p.Precision:
			e = 1
		}
		if interaction {
			v, err := physics.Feature(p, of)
			if err != nil {
				return nil, err
			}
			e *= v
		}
		x[j] = e
	}
	return x, nil
}

func (d Design) colMean(col string) float64 {
	if j := slices.Index(d.Names, col); j >= 0 {
		return d.Mean[j]
	}
	return 0
}

// Row returns the standardized features of p.
func (d Design) Row(p physics.Quantities) []float64 {
	x, err := d.raw(p, d.colMean)
	if err != nil {
		// Names come from this package; an unknown one is a corrupt fit.
		panic(err)
	}
	for j := range x {
		x[j] = (x[j] - d.Mean[j]) / d.Scale[j]
	}
	return x
}

// NewDesign standardizes the named features over rows, dropping those that
// do not vary (a constant bandwidth, a single batch size): they carry no
// information and would make the problem singular.
func NewDesign(names []string, rows []physics.Quantities) (Design, [][]float64, error) {
	all := Design{Names: names}
	raw := make([][]float64, len(rows))
	for i, p := range rows {
		x, err := all.raw(p, nil)
		if err != nil {
			return Design{}, nil, err
		}
		raw[i] = x
	}
	var d Design
	var keep []int
	n := float64(len(rows))
	for j, name := range names {
		var m, ss float64
		for _, x := range raw {
			m += x[j]
		}
		m /= n
		for _, x := range raw {
			ss += (x[j] - m) * (x[j] - m)
		}
		sd := math.Sqrt(ss / n)
		if sd < 1e-9*(1+math.Abs(m)) {
			continue
		}
		keep = append(keep, j)
		d.Names = append(d.Names, name)
		d.Mean = append(d.Mean, m)
		d.Scale = append(d.Scale, sd)
	}
	z := make([][]float64, len(rows))
	for i, x := range raw {
		z[i] = make([]float64, len(keep))
		for k, j := range keep {
			z[i][k] = (x[j] - d.Mean[k]) / d.Scale[k]
		}
	}
	return d, z, nil
}
