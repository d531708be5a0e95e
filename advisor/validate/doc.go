// Package validate chooses, for each target, the kind of model that predicts
// best out of sample, and reports how well it does: every kind is trained
// and tested on the same k folds (repeated runs of one configuration kept
// together) and, with enough models, with each model left out in turn. The
// figures it reports — MAPE, R², 90% interval coverage — all come from runs
// the model predicting them was not trained on, and it says in words when
// the chosen model should not be trusted.
package validate
