package classify

import (
	"math"
	"sort"
)

// Confusion counts a binary classifier's outcomes.
type Confusion struct{ TP, FP, TN, FN int }

// Confuse compares labels with probabilities thresholded at one half.
func Confuse(labels []bool, probs []float64) Confusion {
	var c Confusion
	for i, y := range labels {
		switch p := probs[i] >= 0.5; {
		case y && p:
			c.TP++
		case y:
			c.FN++
		case p:
			c.FP++
		default:
			c.TN++
		}
	}
	return c
}

// Accuracy is the share of correct predictions.
func (c Confusion) Accuracy() float64 {
	return ratio(c.TP+c.TN, c.TP+c.TN+c.FP+c.FN)
}

// Precision is the share of predicted positives that are positive; NaN
// when nothing was predicted positive.
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is the share of positives found; NaN when there are none.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall; NaN when either is.
func (c Confusion) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if math.IsNaN(p) || math.IsNaN(r) {
		return math.NaN()
	}
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// AUC is the area under the ROC curve: the probability that a random
// positive scores above a random negative, ties counting half. NaN when
// either class is absent.
func AUC(labels []bool, scores []float64) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	// Mann–Whitney U from mid-ranks.
	var rankSum float64
	var pos, neg int
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // ranks are 1-based
		for k := i; k < j; k++ {
			if labels[idx[k]] {
				rankSum += mid
				pos++
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - float64(pos*(pos+1))/2) / float64(pos*neg)
}

// Brier is the mean squared difference between probability and outcome: a
// measure of calibration and sharpness together.
func Brier(labels []bool, probs []float64) float64 {
	var s float64
	for i, y := range labels {
		d := probs[i]
		if y {
			d = 1 - d
		}
		s += d * d
	}
	return s / float64(len(labels))
}

// Metrics are the classifier's figures, cross-validated: in each fold the
// decode model and the classifier are trained on the other folds alone.
// With fewer than MinClassRuns runs in a class no figure is reported; the
// class balance always is, since without it an accuracy cannot be judged
// (95% is nothing when 95% of runs are interactive).
type Metrics struct {
	Model              string // the classifier kind
	Positive, Negative int    // runs under and over the threshold
	AccuracyCV         *float64
	PrecisionCV        *float64
	RecallCV           *float64
	F1CV               *float64
	AUCCV              *float64
	BrierCV            *float64
}
