// Package advisor learns from Inferbench's own measurements how fast and how
// large a configuration will be, and recommends the fastest feasible ones.
//
// It fits three regressions — decode ms/token, time to first token and peak
// memory — on features that carry the physics of inference (bytes read per
// token, KV-cache size, FLOPs, precision), and a classifier of "interactive"
// (decode faster than a threshold). Every model is validated out of sample by
// k-fold cross-validation and by leaving one model size out, and for each
// target the simplest kind that validates best is kept. A Fit serializes to
// JSON, so it can be stored beside the runs it was trained on and reloaded
// without refitting.
package advisor
