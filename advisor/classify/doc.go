// Package classify gives the probability that a configuration is
// interactive (decode under a threshold): a logistic regression with Platt
// scaling when each class has enough runs, the decode model's predictive
// distribution otherwise; and it cross-validates that probability.
package classify
