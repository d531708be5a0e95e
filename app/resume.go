package app

import (
	"context"

	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// Resume decides which configurations of a series still need measuring, from the runs stored:
// the one rule that sweep, the agent and a dry run follow. A configuration counts as measured
// when a run with all its settings (Key) ended ok, oom or skipped; one that needs more memory
// than a configuration that ran out of it (engine.NeedsMore) is ruled out. A stored skip stands
// only while such an out-of-memory run still rules it out: one inferred from a kill that was
// never confirmed as out of memory is measured again.
type Resume struct {
	cat     *engine.Catalog
	done    map[storage.RunKey]storage.Measured
	skipped map[storage.RunKey]storage.Measured
	oomed   []oomRun
}

type oomRun struct {
	cfg   engine.Config
	runID int64
}

// NewResume starts from done, what storage.Completed found (nil: nothing counts, as with
// --force). cfgs are the series' configurations: their stored out-of-memory runs rule out
// larger ones from the start.
func NewResume(cat *engine.Catalog, done map[storage.RunKey]storage.Measured, cfgs []engine.Config) *Resume {
	r := &Resume{cat: cat, done: map[storage.RunKey]storage.Measured{}, skipped: map[storage.RunKey]storage.Measured{}}
	for k, m := range done {
		if m.Status == storage.StatusSkipped {
			r.skipped[k] = m
		} else {
			r.done[k] = m
		}
	}
	for _, c := range cfgs {
		if m, ok := LookupRun(r.done, cat, c); ok && m.Status == storage.StatusOOM {
			r.oomed = append(r.oomed, oomRun{c, m.RunID})
		}
	}
	return r
}

// Decision is what Resume makes of a configuration.
type Decision struct {
	// Measured is the stored run that answers the configuration (zero when none).
	Measured storage.Measured
	// RuledOut is the configuration that ran out of memory and needs less than this one (nil
	// when none), and OOMRun its run; StoredSkip is the skipped run already stored for this
	// one in its place (zero when none).
	RuledOut   *engine.Config
	OOMRun     int64
	StoredSkip storage.Measured
}

// Due reports whether the configuration still needs measuring.
func (d Decision) Due() bool { return d.Measured.Status == "" && d.RuledOut == nil }

// Decide says whether c is measured, ruled out or due.
func (r *Resume) Decide(c engine.Config) Decision {
	if m, ok := LookupRun(r.done, r.cat, c); ok {
		return Decision{Measured: m}
	}
	for _, o := range r.oomed {
		if engine.NeedsMore(o.cfg, c) {
			d := Decision{RuledOut: &o.cfg, OOMRun: o.runID}
			d.StoredSkip, _ = LookupRun(r.skipped, r.cat, c)
			return d
		}
	}
	return Decision{}
}

// Record notes the run just stored for c: it now counts as measured, and an out-of-memory one
// rules out what needs more.
func (r *Resume) Record(c engine.Config, m storage.Measured) {
	r.done[Key(r.cat, c)] = m
	if m.Status == storage.StatusOOM {
		r.oomed = append(r.oomed, oomRun{c, m.RunID})
	}
}

// Key is the key a configuration's runs are stored under (storage.ConfigKey): checkpoint
// folders by absolute path, and every setting that changes what is measured.
func Key(cat *engine.Catalog, c engine.Config) storage.RunKey {
	model := c.Model
	if ref, err := cat.ResolveModel(c.Model); err == nil {
		model = ref.Arg
	}
	return storage.ConfigKey(model, c)
}

// LookupRun finds a configuration in a map of stored keys. Weights "auto" are stored as the
// weights they chose (random or checkpoint), or as auto when nothing was loaded (a skip).
func LookupRun[V any](m map[storage.RunKey]V, cat *engine.Catalog, c engine.Config) (V, bool) {
	k := Key(cat, c)
	if v, ok := m[k]; ok || k.Weights != "auto" {
		return v, ok
	}
	for _, w := range []string{"random", "checkpoint"} {
		k.Weights = w
		if v, ok := m[k]; ok {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// CompletedHere is Completed for a dry run, which starts no worker to ask which MLX would
// measure: the MLX of the newest of stored (newest first) that this machine measured stands in
// for it. It writes nothing; a machine with no run stored has measured nothing.
func CompletedHere(ctx context.Context, store *storage.DB, m engine.Machine, stored []storage.Run) (map[storage.RunKey]storage.Measured, error) {
	fp := StorageMachine(m).Fingerprint()
	for _, r := range stored {
		if r.Machine.Fingerprint == fp && r.MLXVersion != "" {
			return completed(ctx, store, storage.Software{MachineID: r.MachineID, Backend: r.Backend,
				MLXVersion: r.MLXVersion, MLXLMVersion: r.MLXLMVersion})
		}
	}
	return map[storage.RunKey]storage.Measured{}, nil
}
