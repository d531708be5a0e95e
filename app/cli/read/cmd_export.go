package read

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/report"
)

// ExportFormats are the formats export writes; table is for people and stays with runs.
var ExportFormats = []string{"csv", "json", "jsonl", "md", "parquet"}

func Export(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("export", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var (
		db          command.DBOptions
		format, out string
		samples     bool
		pick        filterFlags
	)
	db.AddFlags(fset, env)
	command.FormatFlag(fset, &format, ExportFormats)
	fset.BoolVar(&samples, "samples", false, "one row per repetition instead of one per run")
	fset.StringVar(&out, "out", "", "write to this `file`, replacing it, instead of standard output")
	pick.addFlags(fset)
	command.SetUsage(fset, stderr, command.HelpText{
		Synopsis: "export [flags]",
		Description: `Exports stored runs, newest first, for analysis elsewhere: one row per run, or per repetition with
--samples. csv follows RFC 4180; docs/data.md describes every column and its unit.`,
		Examples: []string{"export --format csv --out runs.csv", "export --format jsonl --samples --model gpt2",
			"export --model gpt2 --status ok --since 2026-01-01 --format md"},
		Exits: []command.ExitMeaning{command.Done("exported"), {Code: command.ExitFailure, Meaning: "the database or the output file failed"}, {Code: command.ExitUsage, Meaning: "bad flags"}},
	})
	if err := fset.Parse(args); err != nil {
		return command.UsageError(err)
	}
	if fset.NArg() > 0 {
		return command.UsageError(fmt.Errorf("unexpected argument %q: export takes only flags", fset.Arg(0)))
	}
	if err := command.CheckFormat(format, ExportFormats); err != nil {
		return err
	}
	filter, err := pick.runFilter()
	if err != nil {
		return err
	}

	// Create the output before reading anything, so that a path that cannot be written fails
	// fast and leaves nothing behind.
	w := stdout
	var file *app.AtomicFile
	if out != "" {
		f, err := createAtomic(out)
		if err != nil {
			return err
		}
		defer f.Abort()
		file, w = f, f
	}

	store, err := db.OpenReadOnly(ctx, env)
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
		var rows []report.SampleRow
		for k := range runs {
			full, err := store.Run(ctx, runs[k].ID)
			if err != nil {
				return err
			}
			for j := range full.Samples {
				rows = append(rows, report.SampleRow{Run: full, Sample: &full.Samples[j]})
			}
		}
		err = report.WriteRows(w, format, report.SampleColumns(), rows, report.RowOptions{Array: true})
	} else {
		err = report.WriteRows(w, format, report.RunColumns(), runs, report.RowOptions{Array: true})
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

// createAtomic starts a file to be renamed to path. Failures are bad input: the path is what
// the user gave.
func createAtomic(path string) (*app.AtomicFile, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, command.UsageError(fmt.Errorf("--out %s is a folder: give a file name, such as %s",
			path, filepath.Join(path, "runs.csv")))
	}
	f, err := app.CreateAtomicFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary name means nothing to the user
		}
		return nil, command.UsageError(fmt.Errorf("--out %s: cannot create a file in %s (%v): choose a path in an existing folder you can write to",
			path, filepath.Dir(path), err))
	}
	return f, nil
}
