package advisor

// Classifier kinds.
const (
	// classLogistic is the logistic regression trained on the labels.
	classLogistic = "logistic"
	// classRegression reads the probability off the decode model's
	// predictive distribution. It stands in when a class has fewer than
	// MinClassRuns training runs, too few for a classifier to learn from.
	classRegression = "regression"
)

// Classifier gives the probability that a configuration is interactive:
// decode faster than ThresholdMs per token.
type Classifier struct {
	Kind        string    `json:"kind"`
	ThresholdMs float64   `json:"threshold_ms"`
	Logistic    *Logistic `json:"logistic,omitempty"`
}

func trainClassifier(rows []physics, decodeMs []float64, keys []string, opt Options) (*Classifier, error) {
	labels := interactiveLabels(decodeMs, opt.ThresholdMs)
	c := &Classifier{Kind: classRegression, ThresholdMs: opt.ThresholdMs}
	var pos int
	for _, y := range labels {
		if y {
			pos++
		}
	}
	if min(pos, len(labels)-pos) < MinClassRuns {
		return c, nil
	}
	l, err := trainLogistic(rows, labels, keys, opt)
	if err != nil {
		return nil, err
	}
	c.Kind, c.Logistic = classLogistic, l
	return c, nil
}

// prob is the probability that p is interactive, given the decode model's
// estimate for it.
func (c *Classifier) prob(p physics, decode estimate) float64 {
	if c.Kind == classLogistic {
		return c.Logistic.prob(p)
	}
	return decode.probBelow(c.ThresholdMs)
}

func interactiveLabels(decodeMs []float64, threshold float64) []bool {
	labels := make([]bool, len(decodeMs))
	for i, v := range decodeMs {
		labels[i] = v < threshold
	}
	return labels
}
