package classify

import (
	"errors"
	"fmt"

	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
)

// Classifier kinds.
const (
	// KindLogistic is the logistic regression trained on the labels.
	KindLogistic = "logistic"
	// KindRegression reads the probability off the decode model's
	// predictive distribution. It stands in when a class has fewer than
	// MinClassRuns training runs, too few for a classifier to learn from.
	KindRegression = "regression"
)

// MinClassRuns is the fewest runs a class (interactive or not) needs for the
// classifier to be trained and its accuracy reported.
const MinClassRuns = 5

// Classifier gives the probability that a configuration is interactive:
// decode faster than ThresholdMs per token.
type Classifier struct {
	Kind        string    `json:"kind"`
	ThresholdMs float64   `json:"threshold_ms"`
	Logistic    *Logistic `json:"logistic,omitempty"`
}

// Train fits the classifier of decode under thresholdMs to the runs rows
// measured as decodeMs: a logistic regression when each class has
// MinClassRuns runs, the decode model's predictive distribution otherwise.
func Train(rows []physics.Quantities, decodeMs []float64, keys []string, thresholdMs float64, opt regress.Options) (*Classifier, error) {
	labels := Labels(decodeMs, thresholdMs)
	c := &Classifier{Kind: KindRegression, ThresholdMs: thresholdMs}
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
	c.Kind, c.Logistic = KindLogistic, l
	return c, nil
}

// Prob is the probability that p is interactive, given the decode model's
// estimate for it.
func (c *Classifier) Prob(p physics.Quantities, decode regress.Estimate) float64 {
	if c.Kind == KindLogistic {
		return c.Logistic.prob(p)
	}
	return decode.ProbBelow(c.ThresholdMs)
}

// Labels says which runs are interactive: decode under the threshold.
func Labels(decodeMs []float64, threshold float64) []bool {
	labels := make([]bool, len(decodeMs))
	for i, v := range decodeMs {
		labels[i] = v < threshold
	}
	return labels
}

// Check says whether a classifier reloaded from JSON can give probabilities.
func (c *Classifier) Check() error {
	switch {
	case c.Kind == KindLogistic && c.Logistic == nil:
		return errors.New("the logistic classifier has no weights")
	case c.Kind == KindLogistic:
		if len(c.Logistic.Weights) != len(c.Logistic.Design.Names) {
			return errors.New("the classifier's weights do not match its features")
		}
		return c.Logistic.Design.Check()
	case c.Kind != KindRegression:
		return fmt.Errorf("unknown classifier kind %q", c.Kind)
	}
	return nil
}
