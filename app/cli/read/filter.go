package read

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/storage"
)

// filterFlags are the flags runs and export share to pick stored runs.
type filterFlags struct {
	filter storage.RunFilter
	since  string
}

func (f *filterFlags) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.filter.Model, "model", "", "only runs of this `model`")
	fs.StringVar(&f.filter.Precision, "precision", "", command.PrecisionUsage("only runs at this `precision`"))
	fs.StringVar(&f.filter.Status, "status", "", "only runs with this `status` ("+strings.Join(storage.Statuses(), ", ")+")")
	fs.StringVar(&f.since, "since", "", "only runs since this `time` (RFC 3339 or YYYY-MM-DD)")
}

// runFilter checks the flags and returns the filter they ask for.
func (f *filterFlags) runFilter() (storage.RunFilter, error) {
	if s := f.filter.Status; s != "" && !slices.Contains(storage.Statuses(), s) {
		return storage.RunFilter{}, command.UsageError(fmt.Errorf("--status %q: choose one of %s", s, strings.Join(storage.Statuses(), ", ")))
	}
	filter := f.filter
	if f.since != "" {
		t, err := parseSince(f.since)
		if err != nil {
			return storage.RunFilter{}, err
		}
		filter.Since = t
	}
	return filter, nil
}

// describeFilter says in words what a filter asked for.
func describeFilter(f storage.RunFilter) string {
	var parts []string
	for _, p := range []struct{ flag, v string }{{"model", f.Model}, {"precision", f.Precision}, {"status", f.Status}} {
		if p.v != "" {
			parts = append(parts, "--"+p.flag+" "+p.v)
		}
	}
	if !f.Since.IsZero() {
		parts = append(parts, "--since "+f.Since.Format(time.RFC3339))
	}
	return strings.Join(parts, " ")
}

func parseSince(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, command.UsageError(fmt.Errorf("--since %q: use RFC 3339 (2026-01-02T15:04:05Z) or a date (2026-01-02)", s))
}
