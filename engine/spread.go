package engine

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Interval bases: what a run's decode_tokens_per_sec_ci95 was computed from.
const (
	// BasisRepetitions: the repetitions of one process, and nothing known of this machine's
	// spread between processes; reruns spread more.
	BasisRepetitions = "repetitions"
	// BasisProcesses: the means of the run's own worker processes (--processes K).
	BasisProcesses = "processes"
	// BasisHistory: the run's own processes pooled with the spread between processes that
	// earlier runs on this machine showed (Spread).
	BasisHistory = "history"
)

// Spread is how far the mean of one worker process strays from the mean of its configuration on
// one machine, pooled over earlier runs: the variance of x/mean − 1 over process means that share
// a configuration, with its degrees of freedom. On a host whose speed changes over seconds (a
// dispatch-bound GPU, a laptop running a browser) this is the spread a rerun meets, and a run of
// a few seconds cannot see it in its own repetitions.
type Spread struct {
	RelVar float64
	DOF    int
}

// PoolSpread pools groups of process means, each group sharing one true mean: the processes of
// one run, or single-process runs of one configuration. Groups of fewer than two are skipped.
func PoolSpread(groups [][]float64) Spread {
	var ss float64
	var dof int
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		mean := stat.Mean(g, nil)
		if mean <= 0 {
			continue
		}
		for _, x := range g {
			d := x/mean - 1
			ss += d * d
		}
		dof += len(g) - 1
	}
	if dof == 0 {
		return Spread{}
	}
	return Spread{RelVar: ss / float64(dof), DOF: dof}
}

// MinSpreadDOF is the fewest degrees of freedom a history needs before a run's interval borrows
// from it: with fewer, Student's t is so wide that the run's own spread says as much.
const MinSpreadDOF = 4

// Interval is a rerun interval and what it rests on.
type Interval struct {
	HalfWidth float64
	Basis     string // BasisRepetitions, BasisProcesses or BasisHistory
	DOF       int    // degrees of freedom of the spread behind it
}

// RerunInterval is the half-width of the 95% interval, around the run's mean, in which the mean of
// a rerun of the same design lands. procs are the means of the run's worker processes and reps its
// repetitions in order. With a prior spread from this machine (DOF > 0) the run's own processes
// are pooled with it; with none, the run's own processes (two or more) or, failing that, its
// repetitions are all there is. The interval is never narrower than the repetitions' own, which
// history cannot make more alike.
func RerunInterval(procs, reps []float64, prior Spread) (Interval, bool) {
	own, ownOK := RerunHalfWidth(reps)
	if len(procs) >= 2 && prior.DOF == 0 {
		hw, ok := RerunHalfWidth(procs)
		return Interval{HalfWidth: hw, Basis: BasisProcesses, DOF: len(procs) - 1}, ok
	}
	if prior.DOF == 0 || len(procs) == 0 {
		return Interval{HalfWidth: own, Basis: BasisRepetitions, DOF: max(0, len(reps)-1)}, ownOK
	}
	n := len(procs)
	mean := stat.Mean(procs, nil)
	pooled := PoolSpread([][]float64{procs})
	dof := prior.DOF + pooled.DOF
	relVar := (prior.RelVar*float64(prior.DOF) + pooled.RelVar*float64(pooled.DOF)) / float64(dof)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(dof)}.Quantile(0.975)
	hw := t * mean * math.Sqrt(relVar*2/float64(n))
	if ownOK && len(procs) == 1 {
		hw = max(hw, own)
	}
	return Interval{HalfWidth: hw, Basis: BasisHistory, DOF: dof}, true
}
