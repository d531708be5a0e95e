// Package plan says what a sweep would do before it runs: each configuration marked new,
// already measured (by which run) or to be skipped after an out-of-memory run, how long the rest
// would take, judged from the runs already stored, and the warnings a user would otherwise miss.
package plan

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/app"
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

// Mark marks each configuration of groups as a resumed sweep would treat it (app.Resume):
// measured when done (from app.CompletedHere; nil with --force) holds a run of it with the same
// settings, skipped when an out-of-memory run rules it out, else new, saying why a stored run of
// the same sizes does not count. stored are the database's runs, newest first, for the details
// and the estimates.
func Mark(stored []storage.Run, done map[storage.RunKey]storage.Measured, cat *engine.Catalog, groups []engine.Group) []Entry {
	byID := map[int64]*storage.Run{}
	for i := range stored {
		byID[stored[i].ID] = &stored[i]
	}
	var all []engine.Config
	for _, g := range groups {
		all = append(all, g.Configs...)
	}
	resume := app.NewResume(cat, done, all)
	var out []Entry
	for _, c := range all {
		k := app.Key(cat, c)
		p := Entry{Config: c, Mark: MarkNew, Estimate: estimateFrom(stored, k, c)}
		switch d := resume.Decide(c); {
		case d.Measured.Status != "":
			p.Mark, p.Estimate = MarkMeasured, Estimate{}
			p.Detail = fmt.Sprintf("run %d: %s; --force measures it again", d.Measured.RunID, d.Measured.Status)
			if r := byID[d.Measured.RunID]; r != nil {
				p.Detail = measuredDetail(*r)
			}
		case d.RuledOut != nil:
			p.Mark, p.Estimate = MarkSkip, Estimate{}
			p.Detail = fmt.Sprintf("needs more memory than %s, which ran out of memory (run %d)", d.RuledOut.Label(), d.OOMRun)
		default:
			p.Detail = notCounted(stored, k, c)
		}
		out = append(out, p)
	}
	return out
}

// measuredDetail says which run already answers a configuration, and with which settings.
func measuredDetail(r storage.Run) string {
	procs := max(1, r.Processes)
	reps := fmt.Sprintf("%d repetitions", r.Repeats)
	if r.TargetCI > 0 {
		reps = fmt.Sprintf("%d to %d repetitions to ±%s", r.MinRepeats, r.Repeats, percent(r.TargetCI))
	}
	s := fmt.Sprintf("run %d on %s: %s, weights %s, %s in %d %s, mlx %s (%s)",
		r.ID, r.CreatedAt.Local().Format("2006-01-02"), r.Status, r.Weights, reps, procs, report.Plural(procs, "process", "processes"),
		r.MLXVersion, r.Backend)
	if r.Stability == engine.StabilityShift {
		s += ", unstable (level shift)"
	}
	return s + "; --force measures it again"
}

// notCounted says why the stored runs of a new configuration's sizes (its model, precision,
// context, generate, batch and budget) do not answer it, from the one whose settings differ
// least (the newest among equals): which settings, named as their flags, or that it was
// measured on another machine or MLX. "" when no such run is stored.
func notCounted(stored []storage.Run, k storage.RunKey, c engine.Config) string {
	best, bestDiff := int64(0), []string(nil)
	for i := range stored {
		r := &stored[i]
		rk := r.Key()
		if r.Status != storage.StatusOK && r.Status != storage.StatusOOM || rk.Model != k.Model || rk.Precision != k.Precision ||
			rk.Context != k.Context || rk.Generate != k.Generate || rk.Batch != k.Batch || rk.MemoryLimitBytes != k.MemoryLimitBytes {
			continue
		}
		diff := settingsDiff(rk, k, c.Weights == "auto")
		if best == 0 || len(diff) < len(bestDiff) {
			best, bestDiff = r.ID, diff
		}
	}
	switch {
	case best == 0:
		return ""
	case len(bestDiff) == 0:
		return fmt.Sprintf("run %d was measured on another machine or MLX version", best)
	}
	return fmt.Sprintf("run %d had other settings: %s", best, strings.Join(bestDiff, ", "))
}

// settingsDiff names the settings in which a stored run's key differs from a configuration's,
// as their flags: "--repeats 5 (now 20)". Weights auto match whichever a run chose.
func settingsDiff(was, now storage.RunKey, auto bool) []string {
	var diff []string
	add := func(flag string, was, now any) {
		if was != now {
			diff = append(diff, fmt.Sprintf("%s %v (now %v)", flag, was, now))
		}
	}
	if !auto || was.Weights == "auto" {
		add("--weights", was.Weights, now.Weights)
	}
	add("--warmup", was.Warmup, now.Warmup)
	add("--repeats", was.Repeats, now.Repeats)
	add("--processes", was.Processes, now.Processes)
	add("--seed", was.Seed, now.Seed)
	add("--target-ci", percent(was.TargetCI), percent(now.TargetCI))
	add("--min-repeats", was.MinRepeats, now.MinRepeats)
	return diff
}

// percent writes a target interval as --target-ci takes it; "off" for fixed repetitions.
func percent(f float64) string {
	if f <= 0 {
		return "off"
	}
	return strconv.FormatFloat(f*100, 'g', -1, 64) + "%"
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
				if p.Detail != "" {
					detail += "; " + p.Detail
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
