package command

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/engine"
)

// HelpText is a command's -h: one paragraph saying what it does, examples that run as written
// (the docs test runs every one), its exit statuses, then its flags.
type HelpText struct {
	Synopsis    string // after "Usage: inferbench "
	Description string
	Examples    []string // whole command lines, without the leading "inferbench "
	Exits       []ExitMeaning
}

// ExitMeaning says what one exit status means for a command.
type ExitMeaning struct {
	Code    int
	Meaning string
}

// The meanings most commands share.
var (
	Done        = func(what string) ExitMeaning { return ExitMeaning{ExitOK, what} }
	Operational = ExitMeaning{ExitFailure, "the database, the worker or a file failed"}
	BadInput    = ExitMeaning{ExitUsage, "bad input (flags, configurations), nothing stored"}
	Interrupted = ExitMeaning{ExitInterrupted, "interrupted"}
)

// SetUsage makes fs print h on -h and on a flag error.
func SetUsage(fs *flag.FlagSet, w io.Writer, h HelpText) {
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: inferbench %s\n\n%s\n", h.Synopsis, strings.TrimSpace(h.Description))
		if len(h.Examples) > 0 {
			fmt.Fprint(w, "\nExamples:\n")
			for _, e := range h.Examples {
				fmt.Fprintf(w, "  inferbench %s\n", e)
			}
		}
		// Every command can end in an internal error or an interruption.
		exits := slices.Clone(h.Exits)
		if !slices.ContainsFunc(exits, func(e ExitMeaning) bool { return e.Code == ExitInternal }) {
			exits = append(exits, ExitMeaning{ExitInternal, "an internal error (a bug: please report it)"})
		}
		if !slices.ContainsFunc(exits, func(e ExitMeaning) bool { return e.Code == ExitInterrupted }) {
			exits = append(exits, Interrupted)
		}
		parts := make([]string, len(exits))
		for i, e := range exits {
			parts[i] = fmt.Sprintf("%d %s", e.Code, e.Meaning)
		}
		fmt.Fprintf(w, "\nExit status: %s.\n\nFlags:\n", strings.Join(parts, ", "))
		fs.PrintDefaults()
	}
}

// TableOrJSON are the formats of the commands that print for people or for scripts.
var TableOrJSON = []string{"table", "json"}

// FormatFlag declares --format with its choices, read from the list that CheckFormat checks.
func FormatFlag(fs *flag.FlagSet, format *string, choices []string) {
	fs.StringVar(format, "format", choices[0], "output `format`: "+orList(choices))
}

// CheckFormat refuses a --format not among choices.
func CheckFormat(format string, choices []string) error {
	for _, c := range choices {
		if c == format {
			return nil
		}
	}
	return UsageError(fmt.Errorf("--format %q: choose %s", format, orList(choices)))
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

// PrecisionUsage is the help of a --precision flag: what it does, then every precision the
// catalog defines.
func PrecisionUsage(what string) string {
	cat, err := catalog()
	if err != nil {
		return what
	}
	return what + ": " + strings.Join(cat.PrecisionNames(), ", ") + "; quantized ones take -g<N> for a group size (int4-g128)"
}
