package app

import (
	"flag"
	"fmt"
	"math"

	"github.com/inferbench/inferbench/engine"
)

// parseMemory parses --memory; 0 when not given, for the machine's own memory.
func parseMemory(flagValue string) (int64, error) {
	if flagValue == "" {
		return 0, nil
	}
	n, err := engine.ParseBytes(flagValue)
	if err != nil {
		return 0, usageError(fmt.Errorf("--memory: %w", err))
	}
	return n, nil
}

// checkAdviceFormat accepts the formats the advisor's commands print.
func checkAdviceFormat(format string) error {
	if format != "table" && format != "json" {
		return usageError(fmt.Errorf("--format %q: choose table or json", format))
	}
	return nil
}

// checkThreshold refuses an interactive threshold that is not a positive number of ms.
func checkThreshold(v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return usageError(fmt.Errorf("--threshold-ms must be a positive number of milliseconds, got %v", v))
	}
	return nil
}

// noArgs refuses positional arguments: every option is a flag.
func noArgs(name string, args []string) error {
	if len(args) > 0 {
		return usageError(fmt.Errorf("unexpected argument %q: every option is a flag (see inferbench %s -h)", args[0], name))
	}
	return nil
}

// parseAdvice parses an advice command's flags and checks the ones fit, predict and recommend
// share.
func parseAdvice(fs *flag.FlagSet, args []string, format *string, thresholdMs *float64) error {
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if err := noArgs(fs.Name(), fs.Args()); err != nil {
		return err
	}
	if err := checkAdviceFormat(*format); err != nil {
		return err
	}
	return checkThreshold(*thresholdMs)
}
