package advise

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/engine/grid"
)

// fmtNum prints a number with as few digits as say it: 200, 1.5.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// fmtMs prints milliseconds to three significant digits.
func fmtMs(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "–"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// pct prints a fraction as a percentage, or "–" when it could not be measured.
func fmtPct(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100**p)
}

// dec prints a number to three decimals, or "–" when it could not be measured.
func fmtDec(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.3f", *p)
}

// parseMemory parses --memory; 0 when not given, for the machine's own memory.
func parseMemory(flagValue string) (int64, error) {
	if flagValue == "" {
		return 0, nil
	}
	n, err := grid.ParseBytes(flagValue)
	if err != nil {
		return 0, command.UsageError(fmt.Errorf("--memory: %w", err))
	}
	return n, nil
}

// checkAdviceFormat accepts the formats the advisor's commands print.
func checkAdviceFormat(format string) error { return command.CheckFormat(format, command.TableOrJSON) }

// checkThreshold refuses an interactive threshold that is not a positive number of ms.
func checkThreshold(v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return command.UsageError(fmt.Errorf("--threshold-ms must be a positive number of milliseconds, got %v", v))
	}
	return nil
}

// noArgs refuses positional arguments: every option is a flag.
func noArgs(name string, args []string) error {
	if len(args) > 0 {
		return command.UsageError(fmt.Errorf("unexpected argument %q: every option is a flag (see inferbench %s -h)", args[0], name))
	}
	return nil
}

// parseAdvice parses an advice command's flags and checks the ones fit, predict and recommend
// share.
func parseAdvice(fs *flag.FlagSet, args []string, format *string, thresholdMs *float64) error {
	if err := fs.Parse(args); err != nil {
		return command.UsageError(err)
	}
	if err := noArgs(fs.Name(), fs.Args()); err != nil {
		return err
	}
	if err := checkAdviceFormat(*format); err != nil {
		return err
	}
	return checkThreshold(*thresholdMs)
}

// warnFit writes the fit's warnings to stderr, so that no prediction is shown from a fit that
// should not be trusted without saying so.
func warnFit(stderr io.Writer, f *advice.Fitted) {
	for _, w := range f.Fit.Metrics.Warnings {
		fmt.Fprintf(stderr, "inferbench: warning: %s\n", w)
	}
}

// fitSummary describes a fit in one line.
func fitSummary(f *advice.Fitted) string {
	how := "stored"
	if f.Trained {
		how = "made now"
	}
	return fmt.Sprintf("fit %d (%s) of %s of %s, interactive under %s ms/token",
		f.Record.ID, how, countOf(f.Fit.NRuns, "run"), countOf(len(f.Fit.Models), "model"), fmtNum(f.Fit.ThresholdMs))
}

func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// drawOptions are the flags of the commands that draw the stored runs into a folder (charts,
// report): where to write, the memory budget to draw and the latency threshold.
type drawOptions struct {
	out, memory string
	thresholdMs float64
}

func (o *drawOptions) addFlags(fs *flag.FlagSet, outUsage, memoryUsage string) {
	fs.StringVar(&o.out, "out", "", outUsage)
	fs.StringVar(&o.memory, "memory", "", memoryUsage)
	fs.Float64Var(&o.thresholdMs, "threshold-ms", advisor.DefaultThresholdMs, "decode is interactive under this many `ms` per token")
}

// check validates the flags once parsed and returns the memory budget in bytes (0: the measured
// machine's); what names the output in the error for a missing --out.
func (o *drawOptions) check(what string) (int64, error) {
	if o.out == "" {
		return 0, command.UsageError(fmt.Errorf("--out is required: the folder to write %s to", what))
	}
	if err := checkThreshold(o.thresholdMs); err != nil {
		return 0, err
	}
	return parseMemory(o.memory)
}
