package regress

import "math"

// Baseline predicts the geometric mean of the training runs, whatever the
// configuration.
type Baseline struct {
	Mu float64 `json:"mu"`
	SD float64 `json:"sd"`
	N  int     `json:"n"`
}

func fitBaseline(y []float64) *Baseline {
	b := &Baseline{N: len(y)}
	for _, v := range y {
		b.Mu += math.Log(v)
	}
	b.Mu /= float64(len(y))
	for _, v := range y {
		d := math.Log(v) - b.Mu
		b.SD += d * d
	}
	b.SD = math.Sqrt(b.SD / math.Max(float64(len(y)-1), 1))
	return b
}

func (b *Baseline) estimate() Estimate {
	return Estimate{Mu: b.Mu, SD: b.SD * math.Sqrt(1+1/float64(b.N)), DF: math.Max(float64(b.N-1), 1)}
}
