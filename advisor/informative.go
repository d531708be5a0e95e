package advisor

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
)

// Committee is a decode model and its bootstrap siblings, each trained on
// a resample of the runs. Where the siblings disagree, the
// runs have not pinned the physics down: measuring there teaches most.
// Their disagreement rather than a model's own interval decides, because
// the physical models give every configuration the same log-space width.
type Committee struct {
	full    *regress.Model
	members []*regress.Model
}

// committeeKind is the kind a committee is made of: the physical overhead
// model, which fits dispatch-bound and bandwidth-bound decode alike, is
// cheap to train at every step, and extrapolates to sizes not yet measured.
const committeeKind = regress.KindOverhead

// committeeSize is the number of bootstrap resamples a committee is made of.
const committeeSize = 8

// bootstrap draws k resamples of n rows with replacement.
func bootstrap(n, k int, seed int64) [][]int {
	rng := rand.New(rand.NewPCG(uint64(seed), 0xb007))
	out := make([][]int, k)
	for i := range out {
		out[i] = make([]int, n)
		for j := range out[i] {
			out[i][j] = rng.IntN(n)
		}
	}
	return out
}

// NewCommittee trains a committee of decode models on the successful runs
// in obs. It needs MinRuns of them.
func NewCommittee(obs []Observation, opt Options) (*Committee, error) {
	fo := opt.withDefaults().fitting()
	var d dataset
	for _, c := range combineRepeats(obs) { // as Train: each configuration once
		if c.DecodeMsPerToken > 0 {
			d.add(c.Observation, c.DecodeMsPerToken)
		}
	}
	if len(d.Y) < MinRuns {
		return nil, fmt.Errorf("a committee needs at least %d configurations with a decode latency, and there are %d", MinRuns, len(d.Y))
	}
	full, err := regress.Train(physics.Decode, committeeKind, d.Rows, d.Y, d.Keys, fo)
	if err != nil {
		return nil, err
	}
	c := &Committee{full: full}
	for _, train := range bootstrap(len(d.Y), committeeSize, fo.Seed+4) {
		m, err := regress.Train(physics.Decode, committeeKind, regress.Pick(d.Rows, train), regress.Pick(d.Y, train), regress.Pick(d.Keys, train), fo)
		if err != nil {
			continue
		}
		c.members = append(c.members, m)
	}
	if len(c.members) < 2 {
		return nil, errors.New("a committee needs at least two members, and the runs allow fewer folds")
	}
	return c, nil
}

// Predict returns the committee's decode ms/token for q and its
// disagreement: the standard deviation of its members' log predictions.
func (c *Committee) Predict(q Query) (msPerToken, disagreement float64) {
	p := physics.Derive(q)
	var s, ss float64
	for _, m := range c.members {
		mu := m.Estimate(p).Mu
		s += mu
		ss += mu * mu
	}
	n := float64(len(c.members))
	v := ss/n - (s/n)*(s/n)
	return c.full.Estimate(p).Value(), math.Sqrt(math.Max(v, 0))
}

// MostInformative returns the index of the candidate whose measurement
// would teach the decode model most: the one the committee disagrees on
// most. Ties go to the earlier candidate, so that a caller's order (the
// extremes first) breaks them.
func (c *Committee) MostInformative(cands []Query) int {
	best, bestD := -1, -1.0
	for i, q := range cands {
		if _, d := c.Predict(q); d > bestD {
			best, bestD = i, d
		}
	}
	return best
}
