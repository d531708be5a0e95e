package engine

import (
	"fmt"
	"time"
)

// Config is one configuration to measure.
type Config struct {
	Model     string // catalog name, checkpoint folder or Hugging Face id
	Precision string
	Weights   string // auto, random or checkpoint
	Context   int    // prompt tokens per sequence
	Generate  int    // new tokens per sequence, the first one included
	Batch     int
	Warmup    int
	Repeats   int // fixed repetitions; with TargetCI, the most it may take
	// Processes splits the repetitions over that many fresh worker processes, each with its own
	// warm-up, so that the interval stored with the run covers the spread between processes,
	// which on a GPU bound by per-token dispatch is larger than the spread within one.
	Processes int
	Seed      int
	// TargetCI, when positive, makes repetitions adaptive: at least MinRepeats, then one at a
	// time until the 95% confidence interval of decode tokens/s is within ±TargetCI of its
	// mean (a fraction: 0.02 is 2%), or Repeats is reached.
	TargetCI   float64
	MinRepeats int
	// MemoryLimit, when positive, is a budget in bytes for MLX's peak memory: a configuration
	// that needs more is an out-of-memory failure, as it would be on a machine of that size.
	MemoryLimit int64
	// Timeout bounds one measurement (all its repetitions), not the model load.
	Timeout time.Duration
}

// DefaultTimeout bounds one measurement when nothing else is asked for.
const DefaultTimeout = 30 * time.Minute

// PrefillChunk is the most prompt tokens the worker puts through the model at once
// (PREFILL_STEP in measure.py): a longer prompt is prefilled in chunks, so its activations are
// those of one chunk.
const PrefillChunk = 2048

// Defaults fills zero fields with the values a user gets without flags. Run does not call it:
// a zero batch from the command line is an error, not a request for the default.
func (c Config) Defaults() Config {
	if c.Weights == "" {
		c.Weights = "auto"
	}
	if c.Batch == 0 {
		c.Batch = 1
	}
	if c.Repeats == 0 {
		c.Repeats = 5
	}
	if c.Processes == 0 {
		c.Processes = 1
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// AdaptiveStart is how many repetitions adaptive repetitions (TargetCI) measure before the
// interval is first judged: MinRepeats, but at least two and at most Repeats; 0 for fixed
// repetitions, for which MinRepeats means nothing.
func (c Config) AdaptiveStart() int {
	if c.TargetCI <= 0 {
		return 0
	}
	return min(max(c.MinRepeats, 2), c.Repeats)
}

// processes is the number of worker processes the repetitions are split over; zero means one.
func (c Config) processes() int { return max(1, c.Processes) }

// InvalidError is bad input: a configuration that cannot be measured as asked.
// Nothing is stored for it, and the CLI exits 2.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

func invalidf(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// Validate checks a configuration against the catalog before any process starts, and returns
// the resolved model reference.
// MaxCount bounds every count in a configuration (tokens, batch, repetitions): 2^31-1, as the
// worker protocol does.
const MaxCount = 1<<31 - 1

func (c Config) Validate(cat *Catalog) (ModelRef, error) {
	switch c.Weights {
	case "auto", "random", "checkpoint":
	default:
		return ModelRef{}, invalidf("--weights %q: choose auto, random or checkpoint", c.Weights)
	}
	for _, f := range []struct {
		name string
		v    int
		min  int
	}{{"--context", c.Context, 1}, {"--generate", c.Generate, 1}, {"--batch", c.Batch, 1},
		{"--warmup", c.Warmup, 0}, {"--repeats", c.Repeats, 1}, {"--processes", c.Processes, 0}} {
		if f.v < f.min {
			return ModelRef{}, invalidf("%s must be at least %d, got %d", f.name, f.min, f.v)
		}
		// The protocol carries 32-bit counts, and sums such as context + generate must not
		// overflow on the way.
		if f.v > MaxCount {
			return ModelRef{}, invalidf("%s must be at most %d, got %d", f.name, MaxCount, f.v)
		}
	}
	if c.Context+c.Generate > MaxCount {
		return ModelRef{}, invalidf("--context %d plus --generate %d is more than %d tokens", c.Context, c.Generate, MaxCount)
	}
	if c.processes() > c.Repeats {
		return ModelRef{}, invalidf("--processes %d is more than --repeats %d: every process measures at least one repetition", c.Processes, c.Repeats)
	}
	if c.TargetCI > 0 && c.processes() > 1 {
		return ModelRef{}, invalidf("--target-ci and --processes cannot be combined: adaptive repetitions stop within one process")
	}
	if c.TargetCI < 0 || c.TargetCI >= 1 {
		return ModelRef{}, invalidf("--target-ci must be a fraction between 0 and 1 (2%% or 0.02), got %v", c.TargetCI)
	}
	if c.TargetCI > 0 && c.MinRepeats > c.Repeats {
		return ModelRef{}, invalidf("--min-repeats %d is more than --max-repeats %d", c.MinRepeats, c.Repeats)
	}
	if c.MemoryLimit < 0 {
		return ModelRef{}, invalidf("--memory-limit must not be negative")
	}
	if c.Timeout <= 0 {
		return ModelRef{}, invalidf("--timeout must be positive, got %s", c.Timeout)
	}
	if _, err := cat.Precision(c.Precision); err != nil {
		return ModelRef{}, err
	}
	ref, err := cat.ResolveModel(c.Model)
	if err != nil {
		return ModelRef{}, err
	}
	if err := checkPositions(ref, c); err != nil {
		return ModelRef{}, err
	}
	return ref, nil
}

func checkPositions(ref ModelRef, c Config) error {
	if !ref.Fits(c) {
		return invalidf("context %d + generate %d = %d tokens is beyond %s's %d positions; lower --context or --generate so they sum to at most %d",
			c.Context, c.Generate, c.Context+c.Generate, c.Model, ref.MaxPositions, ref.MaxPositions)
	}
	return nil
}

// Fits reports whether c's prompt and generated tokens fit within the model's positions (always,
// when they are not known yet).
func (ref ModelRef) Fits(c Config) bool {
	return ref.MaxPositions <= 0 || c.Context+c.Generate <= ref.MaxPositions
}
