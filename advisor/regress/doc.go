// Package regress fits one target's model of each kind to runs: the naive
// baseline, physical sums of terms with non-negative rates (least squares on
// relative error, or least absolute relative error for the dispatch kind),
// and log-space ridge regression with its penalty chosen by inner
// cross-validation. Every model predicts in log space with a predictive
// standard deviation, which Calibrate widens until its intervals hold what
// held-out runs showed. The folds (k-fold by configuration, one model left
// out) live here too, since inner validation needs them.
package regress
