// Package command is what every inferbench command shares: the flags that open the database
// and start the worker (declared once), the -h layout, the format and precision flags, and the
// errors that decide the exit status, mapped to it in one place (ExitCode).
package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// Exit codes, the same for every command (usage and docs/reliability.md list them): 0 success,
// 1 a measured failure or an operational error (a worker that cannot start, another inferbench
// measuring, a full disk), 2 bad input (flags, configurations, a --db that is not a usable
// database file), 3 compare found a regression (a gate for scripts and CI), 70 an internal
// error (a bug: please report it; sysexits' EX_SOFTWARE), 130 interrupted (Ctrl-C, SIGTERM).
// A Go runtime crash would exit 2, which means bad input, so panics are recovered and end as 70.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitRegression  = 3 // compare found a regression: a gate for scripts and CI
	ExitInternal    = 70
	ExitInterrupted = 130
)

// usageErr is bad input on the command line.
type usageErr struct{ err error }

func (e usageErr) Error() string { return e.err.Error() }
func (e usageErr) Unwrap() error { return e.err }

// UsageError marks err as bad input on the command line (exit 2); -h stays a request for help.
func UsageError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return flag.ErrHelp
	}
	return usageErr{err}
}

// FailedRun is a measurement that completed with a failure status; its details were printed.
type FailedRun struct{ Status string }

func (e FailedRun) Error() string { return "the measurement failed: " + e.Status }

// Regressions is a comparison that found regressions; the report was printed.
type Regressions struct{ N int }

func (e Regressions) Error() string { return fmt.Sprintf("%d regression(s) found", e.N) }

// ExitCode maps an error to an exit code, printing it first. This is the one place that does.
func ExitCode(err error, stderr io.Writer) int {
	var (
		invalid *engine.InvalidError
		usage   usageErr
		failed  FailedRun
		regress Regressions
	)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &failed):
		return ExitFailure
	case errors.As(err, &regress):
		return ExitRegression
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "inferbench: interrupted")
		return ExitInterrupted
	case errors.As(err, &usage), errors.As(err, &invalid), errors.Is(err, storage.ErrNotWritable),
		errors.Is(err, storage.ErrNotDatabase), errors.Is(err, storage.ErrTooNew):
		fmt.Fprintln(stderr, "inferbench:", IndentRest(err.Error()))
		return ExitUsage
	default:
		fmt.Fprintln(stderr, "inferbench:", IndentRest(err.Error()))
		return ExitFailure
	}
}

// IndentRest indents every line of s but the first, to follow "inferbench: " and the like.
func IndentRest(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }
