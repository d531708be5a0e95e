package cli

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/engine"
)

// helpText is a command's -h: one paragraph saying what it does, examples that run as written
// (the docs test runs every one), its exit statuses, then its flags.
type helpText struct {
	synopsis    string // after "Usage: inferbench "
	description string
	examples    []string // whole command lines, without the leading "inferbench "
	exits       []exitMeaning
}

// exitMeaning says what one exit status means for a command.
type exitMeaning struct {
	code    int
	meaning string
}

// The meanings most commands share.
var (
	exitDone        = func(what string) exitMeaning { return exitMeaning{ExitOK, what} }
	exitOperational = exitMeaning{ExitFailure, "the database, the worker or a file failed"}
	exitBadInput    = exitMeaning{ExitUsage, "bad input (flags, configurations), nothing stored"}
	exitInterrupted = exitMeaning{ExitInterrupted, "interrupted"}
)

// setUsage makes fs print h on -h and on a flag error.
func setUsage(fs *flag.FlagSet, w io.Writer, h helpText) {
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: inferbench %s\n\n%s\n", h.synopsis, strings.TrimSpace(h.description))
		if len(h.examples) > 0 {
			fmt.Fprint(w, "\nExamples:\n")
			for _, e := range h.examples {
				fmt.Fprintf(w, "  inferbench %s\n", e)
			}
		}
		// Every command can end in an internal error or an interruption.
		exits := slices.Clone(h.exits)
		if !slices.ContainsFunc(exits, func(e exitMeaning) bool { return e.code == ExitInternal }) {
			exits = append(exits, exitMeaning{ExitInternal, "an internal error (a bug: please report it)"})
		}
		if !slices.ContainsFunc(exits, func(e exitMeaning) bool { return e.code == ExitInterrupted }) {
			exits = append(exits, exitInterrupted)
		}
		parts := make([]string, len(exits))
		for i, e := range exits {
			parts[i] = fmt.Sprintf("%d %s", e.code, e.meaning)
		}
		fmt.Fprintf(w, "\nExit status: %s.\n\nFlags:\n", strings.Join(parts, ", "))
		fs.PrintDefaults()
	}
}

// tableOrJSON are the formats of the commands that print for people or for scripts.
var tableOrJSON = []string{"table", "json"}

// formatFlag declares --format with its choices, read from the list that checkFormat checks.
func formatFlag(fs *flag.FlagSet, format *string, choices []string) {
	fs.StringVar(format, "format", choices[0], "output `format`: "+orList(choices))
}

// checkFormat refuses a --format not among choices.
func checkFormat(format string, choices []string) error {
	for _, c := range choices {
		if c == format {
			return nil
		}
	}
	return usageError(fmt.Errorf("--format %q: choose %s", format, orList(choices)))
}

// orList joins choices as "a, b or c".
func orList(choices []string) string {
	if len(choices) < 2 {
		return strings.Join(choices, "")
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}

// catalog is the embedded model catalog.
func catalog() (*engine.Catalog, error) { return engine.ParseCatalog(resources.Catalog()) }

// precisionUsage is the help of a --precision flag: what it does, then every precision the
// catalog defines.
func precisionUsage(what string) string {
	cat, err := catalog()
	if err != nil {
		return what
	}
	return what + ": " + strings.Join(cat.PrecisionNames(), ", ") + "; quantized ones take -g<N> for a group size (int4-g128)"
}
