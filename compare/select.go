// Package compare sets a baseline's runs against a candidate's, configuration by configuration:
// the ratio of decode and prefill tokens/s, peak memory and J/token, with a bootstrap interval
// drawn from the stored repetitions, and a verdict where the interval clears a threshold.
package compare

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inferbench/inferbench/storage"
)

// Selector picks one side's runs: the database they come from and what they must have been
// measured with. Empty fields match everything.
type Selector struct {
	DB      string // a database file; "" is the command's --db
	MLX     string // MLX version
	MLXLM   string // mlx-lm version
	Machine string // a hostname, a chip, or a prefix of a machine fingerprint
	OS      string // an OS version, or a prefix of one ("15" matches "15.1")
	Since   time.Time
	Until   time.Time // runs created before this instant
}

// selectorKeys are the keys ParseSelector knows, in the order help lists them.
var selectorKeys = []string{"db", "mlx", "mlx-lm", "machine", "os", "since", "until"}

// ParseSelector reads "key=value,key=value": db, mlx, mlx-lm, machine, os, since and until
// (RFC 3339 or YYYY-MM-DD; until a date means before that day ends).
func ParseSelector(s string) (Selector, error) {
	var sel Selector
	if strings.TrimSpace(s) == "" {
		return sel, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" {
			return sel, fmt.Errorf("%q: want key=value, with key one of %s", part, strings.Join(selectorKeys, ", "))
		}
		switch k {
		case "db":
			sel.DB = v
		case "mlx":
			sel.MLX = v
		case "mlx-lm", "mlx_lm":
			sel.MLXLM = v
		case "machine":
			sel.Machine = v
		case "os":
			sel.OS = v
		case "since", "until":
			t, day, err := parseTime(v)
			if err != nil {
				return sel, fmt.Errorf("%s=%s: want RFC 3339 (2026-11-01T09:00:00Z) or a date (2026-11-01)", k, v)
			}
			if k == "since" {
				sel.Since = t
			} else if day {
				sel.Until = t.AddDate(0, 0, 1)
			} else {
				sel.Until = t
			}
		default:
			return sel, fmt.Errorf("unknown key %q: choose from %s", k, strings.Join(selectorKeys, ", "))
		}
	}
	return sel, nil
}

func parseTime(v string) (time.Time, bool, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, false, nil
	}
	t, err := time.Parse("2006-01-02", v)
	return t, true, err
}

// Matches reports whether a run measured on machine m belongs to the selection.
func (s Selector) Matches(r storage.Run, m storage.StoredMachine) bool {
	switch {
	case s.MLX != "" && r.MLXVersion != s.MLX,
		s.MLXLM != "" && r.MLXLMVersion != s.MLXLM,
		s.OS != "" && !strings.HasPrefix(m.OSVersion, s.OS),
		s.Machine != "" && m.Hostname != s.Machine && m.Chip != s.Machine && !strings.HasPrefix(m.Fingerprint, s.Machine),
		!s.Since.IsZero() && r.CreatedAt.Before(s.Since),
		!s.Until.IsZero() && !r.CreatedAt.Before(s.Until):
		return false
	}
	return true
}

// String describes the selection for a report's header.
func (s Selector) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("db", s.DB)
	add("mlx", s.MLX)
	add("mlx-lm", s.MLXLM)
	add("machine", s.Machine)
	add("os", s.OS)
	if !s.Since.IsZero() {
		add("since", s.Since.UTC().Format(time.RFC3339))
	}
	if !s.Until.IsZero() {
		add("until", s.Until.UTC().Format(time.RFC3339))
	}
	if len(parts) == 0 {
		return "all runs"
	}
	return strings.Join(parts, ", ")
}

// Load reads the ok runs of db that sel and f select, with their samples.
func Load(ctx context.Context, db *storage.DB, sel Selector, f storage.RunFilter) ([]storage.Run, error) {
	machines, err := db.Machines(ctx)
	if err != nil {
		return nil, err
	}
	f.Status = storage.StatusOK
	runs, err := db.Runs(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []storage.Run
	for _, r := range runs {
		if !sel.Matches(r, machines[r.MachineID]) {
			continue
		}
		full, err := db.Run(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, *full)
	}
	return out, nil
}

// LoadFile reads sel's runs from a private copy of its database (storage.OpenSnapshot), so a file
// from another machine or an older Inferbench is never written to.
func LoadFile(ctx context.Context, sel Selector, f storage.RunFilter) ([]storage.Run, error) {
	snap, err := storage.OpenSnapshot(ctx, sel.DB)
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	return Load(ctx, snap.DB, sel, f)
}

// Sides reads the baseline's and the candidate's selectors, with the two databases given as
// arguments (none, or baseline and candidate), and defaultDB for a side that names none.
func Sides(baseline, candidate string, dbs []string, defaultDB string) (base, cand Selector, err error) {
	if base, err = ParseSelector(baseline); err != nil {
		return base, cand, fmt.Errorf("--baseline: %w", err)
	}
	if cand, err = ParseSelector(candidate); err != nil {
		return base, cand, fmt.Errorf("--candidate: %w", err)
	}
	switch len(dbs) {
	case 0:
	case 2:
		if base.DB != "" || cand.DB != "" {
			return base, cand, errors.New("give the two databases as arguments or as db= in --baseline and --candidate, not both")
		}
		base.DB, cand.DB = dbs[0], dbs[1]
	default:
		return base, cand, fmt.Errorf("compare takes two databases (baseline, candidate) or none, not %d arguments", len(dbs))
	}
	for _, s := range []*Selector{&base, &cand} {
		if s.DB == "" {
			s.DB = defaultDB
		}
	}
	if base == cand {
		return base, cand, fmt.Errorf("the baseline and the candidate select the same runs (%s): tell them apart with --baseline and --candidate, e.g. --baseline mlx=0.31.0 --candidate mlx=0.32.4", base)
	}
	return base, cand, nil
}
