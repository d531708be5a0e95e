// Package plan says what a sweep would do before it runs: each configuration marked new,
// already measured (by which run) or to be skipped after an out-of-memory run, how long the rest
// would take, judged from the runs already stored, and the warnings a user would otherwise miss.
package plan

import (
	"fmt"
	"io"
	"time"

	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// The marks a dry run gives each planned configuration.
const (
	MarkNew      = "new"
	MarkMeasured = "measured"
	MarkSkip     = "skip"
)

// Entry is what a dry run says about one configuration: whether it would be measured, and
// how long that would take.
type Entry struct {
	Config   engine.Config
	Mark     string
	Detail   string   // for measured: the run and its settings; for skip: why
	Estimate Estimate // zero when no stored timing fits
}

// Estimate is a duration with the range it is likely to fall in.
type Estimate struct{ Mid, Low, High time.Duration }

// Known reports whether a stored run gave the estimate.
func (e Estimate) Known() bool { return e.Mid > 0 }

func (e Estimate) add(o Estimate) Estimate {
	return Estimate{e.Mid + o.Mid, e.Low + o.Low, e.High + o.High}
}

func (e Estimate) String() string {
	return fmt.Sprintf("%s (%s to %s)", roundDuration(e.Mid), roundDuration(e.Low), roundDuration(e.High))
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	default:
		return d.Round(time.Minute).String()
	}
}

// Mark marks each configuration of groups against the stored runs, newest first.
// Runs count as measured when they come from the MLX the latest stored run used, as for
// `inferbench status`: a dry run starts no worker to ask.
func Mark(stored []storage.Run, cat *engine.Catalog, groups []engine.Group, force bool) []Entry {
	var latest *storage.Run
	if len(stored) > 0 {
		latest = &stored[0] // newest first
	}
	key := func(c engine.Config) storage.RunKey {
		model := c.Model
		if ref, err := cat.ResolveModel(c.Model); err == nil {
			model = ref.Arg
		}
		return storage.RunKey{Model: model, Precision: c.Precision, Context: c.Context, Generate: c.Generate,
			Batch: c.Batch, MemoryLimitBytes: c.MemoryLimit}
	}
	runKey := func(r storage.Run) storage.RunKey {
		return storage.RunKey{Model: r.Model, Precision: r.Precision, Context: r.Context, Generate: r.Generate,
			Batch: r.Batch, MemoryLimitBytes: r.MemoryLimitBytes}
	}
	sameMLX := func(r storage.Run) bool {
		return latest != nil && r.Backend == latest.Backend && r.MLXVersion == latest.MLXVersion && r.MLXLMVersion == latest.MLXLMVersion
	}
	// The latest current run of each configuration, and the out-of-memory ones, newest first.
	current := map[storage.RunKey]storage.Run{}
	var oomed []storage.Run
	for i := len(stored) - 1; i >= 0; i-- {
		r := stored[i]
		if sameMLX(r) && (r.Status == storage.StatusOK || r.Status == storage.StatusOOM || r.Status == storage.StatusSkipped) {
			current[runKey(r)] = r
		}
	}
	for _, r := range stored {
		if current[runKey(r)].ID == r.ID && r.Status == storage.StatusOOM {
			oomed = append(oomed, r)
		}
	}
	var out []Entry
	for _, g := range groups {
		for _, c := range g.Configs {
			p := Entry{Config: c, Mark: MarkNew, Estimate: estimateFrom(stored, key(c), c)}
			if r, ok := current[key(c)]; ok && !force && r.Status == storage.StatusSkipped {
				p.Mark, p.Detail, p.Estimate = MarkSkip, fmt.Sprintf("run %d: %s", r.ID, r.Error), Estimate{}
			} else if ok && !force {
				p.Mark, p.Detail, p.Estimate = MarkMeasured, measuredDetail(r), Estimate{}
			} else if !force {
				for _, r := range oomed {
					oom := engine.Config{Model: c.Model, Precision: r.Precision, Weights: c.Weights, Context: r.Context,
						Generate: r.Generate, Batch: r.Batch, MemoryLimit: r.MemoryLimitBytes}
					if r.Model == key(c).Model && engine.NeedsMore(oom, c) {
						p.Mark, p.Estimate = MarkSkip, Estimate{}
						p.Detail = fmt.Sprintf("needs more memory than %s, which ran out of memory (run %d)", oom.Label(), r.ID)
						break
					}
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// measuredDetail says which run already answers a configuration, and with which settings.
func measuredDetail(r storage.Run) string {
	procs := max(1, r.Processes)
	s := fmt.Sprintf("run %d on %s: %s, %d repetitions in %d %s, mlx %s (%s)",
		r.ID, r.CreatedAt.Local().Format("2006-01-02"), r.Status, r.Repeats, procs, report.Plural(procs, "process", "processes"),
		r.MLXVersion, r.Backend)
	if r.Stability == engine.StabilityShift {
		s += ", unstable (level shift)"
	}
	return s + "; --force measures it again"
}

// estimateFrom predicts how long cfg takes from the stored runs: the same configuration's own
// duration when it was measured before, else the nearest run of the same model and precision
// scaled by prompt tokens and decode steps, with a wider range.
func estimateFrom(stored []storage.Run, k storage.RunKey, cfg engine.Config) Estimate {
	reps := cfg.Warmup + cfg.Repeats
	var best *storage.Run
	bestScore := 0.0
	for i := range stored {
		r := &stored[i]
		if r.Model != k.Model || r.Precision != k.Precision || r.Status != storage.StatusOK || r.TTFTMs == nil || r.DurationMs <= 0 {
			continue
		}
		if r.Context == k.Context && r.Batch == k.Batch && r.Generate == k.Generate && r.Warmup+r.Repeats > 0 {
			per := time.Duration(r.DurationMs / float64(r.Warmup+r.Repeats) * float64(time.Millisecond))
			d := per * time.Duration(reps)
			return Estimate{d, d * 7 / 10, d * 3 / 2}
		}
		// Prefer the same batch, then the nearest prompt length.
		score := ratio(float64(r.Context), float64(k.Context)) * ratio(float64(r.Batch), float64(k.Batch)) * 4
		if best == nil || score < bestScore {
			best, bestScore = r, score
		}
	}
	if best == nil {
		return Estimate{}
	}
	scale := float64(k.Context*k.Batch) / float64(best.Context*best.Batch)
	perMs := *best.TTFTMs * scale
	if best.DecodeMsPerToken != nil {
		perMs += *best.DecodeMsPerToken * float64(max(0, k.Generate-1)) * float64(k.Batch) / float64(best.Batch)
	}
	d := time.Duration(perMs * float64(reps) * float64(time.Millisecond))
	return Estimate{d, d / 2, d * 2}
}

// ratio is how far apart two positive sizes are, as a factor of at least 1.
func ratio(a, b float64) float64 {
	if a > b {
		return a / b
	}
	return b / a
}

// Print writes a dry run: each configuration with its mark, then the counts and the
// estimated time of what would be measured.
func Print(w io.Writer, groups []engine.Group, plan []Entry) {
	counts := map[string]int{}
	var total Estimate
	untimed := 0
	i := 0
	for _, g := range groups {
		fmt.Fprintf(w, "%s %s (weights %s): %d %s\n", g.Model, g.Precision, g.Weights, len(g.Configs), report.Plural(len(g.Configs), "configuration", "configurations"))
		for range g.Configs {
			p := plan[i]
			i++
			counts[p.Mark]++
			detail := p.Detail
			if p.Mark == MarkNew {
				if p.Estimate.Known() {
					detail = "about " + p.Estimate.String()
					total = total.add(p.Estimate)
				} else {
					detail = "no stored timing of this model and precision"
					untimed++
				}
			}
			fmt.Fprintf(w, "  %3d. %-44s %-8s %s\n", i, p.Config.Label(), p.Mark, detail)
		}
	}
	fmt.Fprintf(w, "%d %s in %d %s (one worker each): %d new, %d already measured, %d to be skipped after out-of-memory.\n",
		len(plan), report.Plural(len(plan), "configuration", "configurations"), len(groups), report.Plural(len(groups), "group", "groups"), counts[MarkNew], counts[MarkMeasured], counts[MarkSkip])
	switch {
	case counts[MarkNew] == 0:
		fmt.Fprintln(w, "Nothing to measure.")
	case untimed == counts[MarkNew]:
		fmt.Fprintln(w, "Estimated time: unknown; nothing of these models and precisions is stored yet (loading each model comes on top).")
	case untimed > 0:
		timed := counts[MarkNew] - untimed
		fmt.Fprintf(w, "Estimated time: %s for %d %s, plus %d with no stored timing (and loading each model).\n",
			total, timed, report.Plural(timed, "configuration", "configurations"), untimed)
	default:
		fmt.Fprintf(w, "Estimated time: %s, plus loading each model.\n", total)
	}
}
