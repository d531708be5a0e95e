package menubar

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Options choose how Run runs.
type Options struct {
	// SelfTest, when above zero, makes Run check that the app comes up, then quit: it waits at
	// most this long for every launchStep, exits 0 when all came, and non-zero otherwise.
	SelfTest time.Duration
	// Out receives the self-test's progress.
	Out io.Writer
}

// defaultSelfTestTimeout leaves a slow CI runner time to start AppKit and open the database.
const defaultSelfTestTimeout = 2 * time.Minute

// ParseArgs reads `inferbench menubar [--self-test [--timeout D]]`.
func ParseArgs(args []string, stderr io.Writer) (Options, error) {
	flags := flag.NewFlagSet("menubar", flag.ContinueOnError)
	flags.SetOutput(stderr)
	selfTest := flags.Bool("self-test", false, "start the app, check that its status item, menus and windows come up and that it renders the controller's status, then quit: exit 0, or 1 when a step does not come in time")
	timeout := flags.Duration("timeout", defaultSelfTestTimeout, "with --self-test, how long to wait for every step")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: inferbench menubar [--self-test [--timeout 2m]]\n\nStarts the menu-bar app (macOS), as inferbench with no arguments does.\n\nFlags:\n")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return Options{}, err
	}
	if flags.NArg() > 0 {
		return Options{}, fmt.Errorf("menubar takes no arguments, got %q", strings.Join(flags.Args(), " "))
	}
	if *timeout <= 0 {
		return Options{}, fmt.Errorf("--timeout must be more than 0, got %s", *timeout)
	}
	opts := Options{}
	if *selfTest {
		opts.SelfTest = *timeout
	}
	return opts, nil
}

// A launchStep is one thing the self-test waits for.
type launchStep string

// The steps, in the order they happen.
const (
	stepLaunched   launchStep = "applicationDidFinishLaunching:"
	stepStatusItem launchStep = "the status item"
	stepMenu       launchStep = "the status menu"
	stepMainMenu   launchStep = "the main menu (Edit, Close Window)"
	stepWindows    launchStep = "the Recommendations, Preferences and setup windows"
	// stepRefresh is a menu drawn from a status the controller published after launch, so
	// both the subscription and the hop to the main thread work.
	stepRefresh launchStep = "a menu refresh from the controller"
)

var launchSteps = []launchStep{stepLaunched, stepStatusItem, stepMenu, stepMainMenu, stepWindows, stepRefresh}

// launchProbe records the steps as the shell reaches them, from any goroutine.
type launchProbe struct {
	out  io.Writer
	mu   sync.Mutex
	seen map[launchStep]bool
	done chan struct{} // closed once every step is seen
}

func newLaunchProbe(out io.Writer) *launchProbe {
	if out == nil {
		out = io.Discard
	}
	return &launchProbe{out: out, seen: map[launchStep]bool{}, done: make(chan struct{})}
}

// mark records a step. A refresh before launch does not count: the shell only draws into a
// status item that launch made.
func (p *launchProbe) mark(s launchStep) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[s] || (s == stepRefresh && !p.seen[stepLaunched]) {
		return
	}
	p.seen[s] = true
	fmt.Fprintf(p.out, "self-test: %s\n", s)
	if len(p.missingLocked()) == 0 {
		close(p.done)
	}
}

func (p *launchProbe) missingLocked() []string {
	var missing []string
	for _, s := range launchSteps {
		if !p.seen[s] {
			missing = append(missing, string(s))
		}
	}
	return missing
}

// errSelfTest marks a self-test that did not pass.
var errSelfTest = errors.New("self-test failed")

// wait returns nil once every step is seen, or an error naming those still missing when
// timeout passes or ctx ends first.
func (p *launchProbe) wait(ctx context.Context, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	var why string
	select {
	case <-p.done:
		return nil
	case <-t.C:
		why = fmt.Sprintf("after %s", timeout)
	case <-ctx.Done():
		why = "interrupted"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Errorf("%w: %s, still waiting for %s", errSelfTest, why, strings.Join(p.missingLocked(), "; "))
}
