package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/inferbench/inferbench/storage"
)

// exportFormats are the formats export writes; table is for people and stays with runs.
var exportFormats = []string{"csv", "json", "jsonl", "md"}

// runStatuses are the statuses a stored run can have, for checking --status.
var runStatuses = []string{storage.StatusOK, storage.StatusOOM, storage.StatusCrash, storage.StatusTimeout,
	storage.StatusError, storage.StatusInterrupted, storage.StatusSkipped}

func runExport(ctx context.Context, env Env, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("export", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var (
		db, format, since, out string
		samples                bool
		filter                 storage.RunFilter
	)
	fset.StringVar(&db, "db", "", "SQLite `file` (default: INFERBENCH_DB, then the platform default)")
	fset.StringVar(&format, "format", "csv", "output `format`: csv, json, jsonl or md")
	fset.BoolVar(&samples, "samples", false, "one row per repetition instead of one per run")
	fset.StringVar(&out, "out", "", "write to this `file`, replacing it, instead of standard output")
	fset.StringVar(&filter.Model, "model", "", "only runs of this `model`")
	fset.StringVar(&filter.Precision, "precision", "", "only runs at this `precision`")
	fset.StringVar(&filter.Status, "status", "", "only runs with this `status` ("+strings.Join(runStatuses, ", ")+")")
	fset.StringVar(&since, "since", "", "only runs since this `time` (RFC 3339 or YYYY-MM-DD)")
	fset.Usage = func() {
		fmt.Fprint(stderr, "Usage: inferbench export [flags]\n\n"+
			"Exports stored runs, newest first, for analysis elsewhere. docs/data.md describes every column.\n\nFlags:\n")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		return usageError(err)
	}
	if fset.NArg() > 0 {
		return usageError(fmt.Errorf("unexpected argument %q: export takes only flags", fset.Arg(0)))
	}
	if !slices.Contains(exportFormats, format) {
		return usageError(fmt.Errorf("--format %q: choose one of %s", format, strings.Join(exportFormats, ", ")))
	}
	if filter.Status != "" && !slices.Contains(runStatuses, filter.Status) {
		return usageError(fmt.Errorf("--status %q: choose one of %s", filter.Status, strings.Join(runStatuses, ", ")))
	}
	if since != "" {
		t, err := parseSince(since)
		if err != nil {
			return err
		}
		filter.Since = t
	}

	// Create the output before reading anything, so that a path that cannot be written fails
	// fast and leaves nothing behind.
	w := stdout
	var file *atomicFile
	if out != "" {
		f, err := createAtomic(out)
		if err != nil {
			return err
		}
		defer f.Abort()
		file, w = f, f
	}

	store, err := storage.Open(ctx, env.dbPath(db))
	if err != nil {
		return err
	}
	defer store.Close()
	runs, err := store.Runs(ctx, filter)
	if err != nil {
		return err
	}
	if samples {
		// One query per run: Runs leaves samples out, and Run is the one way to read them.
		var rows []sampleRow
		for k := range runs {
			full, err := store.Run(ctx, runs[k].ID)
			if err != nil {
				return err
			}
			for j := range full.Samples {
				rows = append(rows, sampleRow{run: full, sample: &full.Samples[j]})
			}
		}
		err = writeRows(w, format, sampleColumns(), rows, rowOptions{array: true, safeCSV: true})
	} else {
		err = writeRows(w, format, runColumns(), runs, rowOptions{array: true, safeCSV: true})
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", outName(out), err)
	}
	if file != nil {
		return file.Commit()
	}
	return nil
}

func outName(out string) string {
	if out == "" {
		return "standard output"
	}
	return out
}

// atomicFile is written under a temporary name in the destination's folder and renamed into
// place on Commit, so readers see the old file or the whole new one, never part of it.
type atomicFile struct {
	*os.File
	path string
	done bool
}

// createAtomic starts a file to be renamed to path. Failures are bad input: the path is what
// the user gave.
func createAtomic(path string) (*atomicFile, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, usageError(fmt.Errorf("--out %s is a folder: give a file name, such as %s",
			path, filepath.Join(path, "runs.csv")))
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary name means nothing to the user
		}
		return nil, usageError(fmt.Errorf("--out %s: cannot create a file in %s (%v): choose a path in an existing folder you can write to",
			path, filepath.Clean(dir), err))
	}
	return &atomicFile{File: f, path: path}, nil
}

// Commit makes the file durable and moves it into place. A file already at the path keeps its
// permissions; a new one gets the usual 0644 rather than CreateTemp's 0600.
func (f *atomicFile) Commit() error {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(f.path); err == nil {
		mode = fi.Mode().Perm()
	}
	err := f.Chmod(mode)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	f.done = true
	return nil
}

// Abort removes the temporary file unless Commit succeeded; it is safe to call after Commit.
func (f *atomicFile) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}
