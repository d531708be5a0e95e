// Package advisor learns from Inferbench's own measurements how fast and how
// large a configuration will be, and recommends the fastest feasible ones.
//
// It fits three regressions — decode ms/token, time to first token and peak
// memory — on terms and features that carry the physics of inference (bytes
// read per token, KV-cache size, FLOPs, kernels per layer, precision), and a
// classifier of "interactive" (decode faster than a threshold). Every model
// is validated out of sample by k-fold cross-validation and by leaving one
// model out, and for each target the kind that validates best is kept. A Fit
// serializes to JSON, so it can be stored beside the runs it was trained on
// and reloaded without refitting.
//
// The work is split by what it serves, each package depending only on those
// before it:
//
//   - physics: a configuration's quantities and the terms models sum;
//   - regress: fitting each kind of model, its intervals and the folds;
//   - validate: choosing the kind on k-fold and leave-one-model-out MAPE,
//     the per-target metrics and their warnings;
//   - classify: the interactive classifier and its cross-validation;
//   - advisor (this package): Train, Predict, Recommend, the out-of-memory
//     boundary, the most-informative-next committee and the analysis behind
//     inferbench report.
package advisor
