// Package agent benchmarks in the background: a controller that measures a queue of
// configurations while its policy (idle, on AC, cool enough) allows, and stops a run within a
// poll when it no longer does. The menu bar and `inferbench agent` both drive it.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/sensors"
	"github.com/inferbench/inferbench/storage"
)

// State is what the background benchmarker is doing.
type State string

// The controller's states. Both front ends render these.
const (
	StateStopped State = "stopped" // not started
	StateWaiting State = "waiting" // started; a condition or an empty queue holds it back (Status.Reason)
	StateRunning State = "running" // measuring Status.Current
	StatePaused  State = "paused"  // the user paused it
)

// Status is a snapshot of the controller for a UI.
type Status struct {
	State   State
	Reason  string // why waiting or paused
	Current string // the configuration being measured
	Rep, Of int    // repetitions of Current done, of how many
	Pending int    // configurations left in the queue
	Reading sensors.Reading
	At      time.Time
}

// ControllerConfig wires a controller.
type ControllerConfig struct {
	// Bench measures and stores; its sensors also decide when runs may happen.
	Bench  *app.Bench
	Policy Policy
	// Poll is how often conditions are read while measuring; it bounds how late a run stops
	// when the user comes back (default 250 ms). WaitPoll is the period while waiting (default 2 s).
	Poll, WaitPoll time.Duration
	// Once makes Run return when the queue is empty instead of waiting for more work, and
	// with an error when a sensor the policy needs cannot be read, which waiting does not cure.
	Once bool
	Log  *slog.Logger
	// Lock, when set, is taken around each run, so that the controller measures only while no
	// other inferbench does (app.LockMeasuring); an error from it means waiting. Nil for a
	// caller that holds the lock itself.
	Lock func(context.Context) (release func(), err error)
}

// Controller is the one state machine behind the menu bar and `inferbench agent`: it runs
// queued configurations while the policy allows, stops a run within Poll when it no longer
// does, and stores only complete runs.
type Controller struct {
	cfg  ControllerConfig
	cmds chan State // requested state: running (start/resume), paused, stopped

	dropped    map[engine.Config]bool // refused by MLX; touched only by Run's goroutine
	unreadable int                    // consecutive readings refused for an unreadable sensor; Run's goroutine

	mu     sync.Mutex
	status Status
	subs   map[chan Status]struct{}
}

// errConditions and errPaused say why a run was cut short; neither stores anything.
var (
	errConditions = errors.New("conditions ended")
	errPaused     = errors.New("paused")
)

// NewController returns a stopped controller.
func NewController(cfg ControllerConfig) *Controller {
	if cfg.Poll == 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if cfg.WaitPoll == 0 {
		cfg.WaitPoll = 2 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Controller{cfg: cfg, cmds: make(chan State, 8), status: Status{State: StateStopped, At: time.Now()},
		subs: map[chan Status]struct{}{}, dropped: map[engine.Config]bool{}}
}

// Start begins (or resumes) benchmarking; Pause holds it, stopping a run in flight; Stop
// returns it to stopped. They return at once; Run carries them out.
func (c *Controller) Start() { c.cmds <- StateRunning }
func (c *Controller) Pause() { c.cmds <- StatePaused }
func (c *Controller) Stop()  { c.cmds <- StateStopped }

// SetPolicy changes the conditions for running; it takes effect at the next sensor reading,
// so a run that no longer qualifies stops within Poll.
func (c *Controller) SetPolicy(p Policy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cfg.Policy = p
}

func (c *Controller) policy() Policy {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg.Policy
}

// Status returns the current snapshot.
func (c *Controller) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Subscribe returns a channel of status changes (the newest wins when the reader is slow) and
// a function that ends the subscription.
func (c *Controller) Subscribe() (<-chan Status, func()) {
	ch := make(chan Status, 1)
	c.mu.Lock()
	c.subs[ch] = struct{}{}
	c.mu.Unlock()
	return ch, func() {
		c.mu.Lock()
		delete(c.subs, ch)
		c.mu.Unlock()
	}
}

func (c *Controller) update(f func(*Status)) {
	c.mu.Lock()
	before := c.status
	f(&c.status)
	c.status.At = time.Now()
	s := c.status
	for ch := range c.subs {
		select {
		case <-ch: // drop the stale one
		default:
		}
		ch <- s
	}
	c.mu.Unlock()
	if before.State != s.State || before.Reason != s.Reason || before.Current != s.Current {
		c.cfg.Log.Info("state", "state", s.State, "reason", s.Reason, "current", s.Current, "pending", s.Pending)
		c.publish(s)
	}
}

// publish writes the state where `inferbench status` reads it.
func (c *Controller) publish(s Status) {
	err := c.cfg.Bench.Store.SetAgentState(context.Background(), storage.AgentState{PID: os.Getpid(), State: string(s.State),
		Reason: s.Reason, Current: s.Current, Pending: s.Pending})
	if err != nil {
		c.cfg.Log.Warn("publish state", "err", err)
	}
}

// Run drives the controller until ctx ends (or, with Once, the queue is empty). It returns
// ctx's error, nil, or, with Once, the *engine.StartError of a worker that cannot start.
func (c *Controller) Run(ctx context.Context) error {
	defer c.update(func(s *Status) { *s = Status{State: StateStopped, Reason: "agent exited", Reading: s.Reading} })
	want := StateStopped
	for {
		// Take every pending command; the last one wins.
		for drained := false; !drained; {
			select {
			case w := <-c.cmds:
				want = w
			default:
				drained = true
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch want {
		case StateStopped, StatePaused:
			c.cfg.Bench.Measurer.Close()
			reason := ""
			if want == StatePaused {
				reason = "paused by the user"
			}
			c.update(func(s *Status) { s.State, s.Reason, s.Current = want, reason, "" })
			select {
			case want = <-c.cmds:
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		next, err := c.step(ctx)
		var start *engine.StartError
		switch {
		case errors.Is(err, errQueueEmpty) && c.cfg.Once:
			return nil
		case errors.Is(err, ErrCannotProgress):
			return err
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case c.cfg.Once && errors.As(err, &start):
			return err
		}
		if next != "" {
			want = next
		}
	}
}

var errQueueEmpty = errors.New("queue empty")

// ErrCannotProgress is Run's error with Once when a condition can never be met as things are.
var ErrCannotProgress = errors.New("the queue cannot be measured here")

// unreadableLimit is how many readings in a row a sensor may be unreadable before Once gives
// up: the first reading of some sensors (CPU quiet time) needs a second to compare with.
const unreadableLimit = 3

// step does one thing: waits a period when conditions do not allow a run, or runs the next
// queued configuration. It returns a state the user asked for while it worked, if any.
func (c *Controller) step(ctx context.Context) (State, error) {
	reading := c.read(ctx)
	ok, reason, unreadable := c.policy().check(reading)
	c.unreadable++
	if !unreadable {
		c.unreadable = 0
	}
	if unreadable && c.cfg.Once && c.unreadable >= unreadableLimit {
		return "", fmt.Errorf("%w: %s; the flag that lifts it is in inferbench agent -h (inferbench status shows every condition)", ErrCannotProgress, reason)
	}
	if !ok {
		// A loaded model holds gigabytes the user may need now; it loads again in seconds.
		c.cfg.Bench.Measurer.Close()
		c.update(func(s *Status) { s.State, s.Reason, s.Current, s.Reading = StateWaiting, reason, "", reading })
		return c.sleep(ctx, c.cfg.WaitPoll)
	}
	sess, cfg, pending, err := c.next(ctx)
	if err != nil {
		c.update(func(s *Status) {
			s.State, s.Reason = StateWaiting, "cannot start a worker: "+app.FirstLine(err.Error())
		})
		c.cfg.Log.Error("queue", "err", err)
		var start *engine.StartError
		if c.cfg.Once && errors.As(err, &start) {
			return "", err // nothing here will change by itself: say why and stop
		}
		if next, _ := c.sleep(ctx, 10*c.cfg.WaitPoll); next != "" {
			return next, nil
		}
		return "", err
	}
	if pending == 0 {
		c.update(func(s *Status) {
			s.State, s.Reason, s.Current, s.Pending = StateWaiting, "queue empty: nothing left to measure", "", 0
		})
		if c.cfg.Once {
			return "", errQueueEmpty
		}
		return c.sleep(ctx, c.cfg.WaitPoll)
	}
	if c.cfg.Lock != nil {
		release, err := c.cfg.Lock(ctx)
		if err != nil {
			c.update(func(s *Status) { s.State, s.Reason, s.Current = StateWaiting, app.FirstLine(err.Error()), "" })
			return c.sleep(ctx, c.cfg.WaitPoll)
		}
		defer release()
	}
	c.update(func(s *Status) {
		s.State, s.Reason, s.Current, s.Rep, s.Of, s.Pending, s.Reading = StateRunning, "", cfg.Label(), 0, cfg.Repeats, pending, reading
	})
	next, err := c.measure(ctx, sess, cfg)
	if err != nil {
		return next, err
	}
	if next == "" {
		next = c.cooldown(ctx)
	}
	return next, nil
}

// measure runs one configuration while the bench reads the sensors every Poll and a watcher
// listens for commands; either can cut the run short, and then nothing is stored and the
// configuration stays queued.
func (c *Controller) measure(ctx context.Context, s *app.Session, cfg engine.Config) (State, error) {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		requested State
		stopWatch = make(chan struct{})
		watched   = make(chan struct{})
	)
	go func() {
		defer close(watched)
		for {
			select {
			case <-stopWatch:
				return
			case w := <-c.cmds:
				if w != StateRunning {
					requested = w
					cancel(errPaused)
					return
				}
			}
		}
	}()
	run, err := s.Measure(runCtx, cfg, app.Hooks{
		Poll: c.cfg.Poll,
		Progress: func(p engine.Progress) {
			if !p.Warmup {
				c.update(func(s *Status) { s.Rep, s.Of = p.Rep+1, p.Of })
			}
		},
		Check: func(r sensors.Reading) error {
			if ok, reason := c.policy().Check(r); !ok {
				c.update(func(s *Status) { s.State, s.Reason, s.Current, s.Reading = StateWaiting, reason, "", r })
				return fmt.Errorf("%w: %s", errConditions, reason)
			}
			return nil
		},
	})
	close(stopWatch)
	<-watched
	switch {
	case ctx.Err() != nil:
		return "", ctx.Err()
	case errors.Is(err, errPaused), errors.Is(err, errConditions):
		c.cfg.Log.Info("run stopped, configuration stays queued", "config", cfg.Label(), "why", err)
		return requested, nil
	case app.IsInvalid(err):
		c.cfg.Log.Warn("configuration cannot be measured; dropped from the queue", "config", cfg.Label(), "err", err)
		c.dropped[cfg] = true
		return "", nil
	case err != nil:
		return "", err
	}
	c.cfg.Log.Info("run stored", "id", run.ID, "config", cfg.Label(), "status", run.Status, "thermal_worst", run.ThermalWorst)
	return "", nil
}

// cooldown waits, up to the policy's bound, for the thermal state to return to nominal, so
// the next run starts from the same place.
func (c *Controller) cooldown(ctx context.Context) State {
	deadline := time.Now().Add(c.policy().CooldownMax)
	for time.Now().Before(deadline) {
		r := c.read(ctx)
		if r.Thermal.Rank() == sensors.ThermalNominal.Rank() || r.Thermal == sensors.ThermalUnknown {
			return ""
		}
		c.update(func(s *Status) {
			s.State, s.Reason, s.Current, s.Reading = StateWaiting, fmt.Sprintf("cooling down (%s)", r.Thermal), "", r
		})
		if next, _ := c.sleep(ctx, c.cfg.WaitPoll); next != "" || ctx.Err() != nil {
			return next
		}
	}
	return ""
}

// sleep waits d, returning early with a command the user gave meanwhile.
func (c *Controller) sleep(ctx context.Context, d time.Duration) (State, error) {
	select {
	case w := <-c.cmds:
		return w, nil
	case <-time.After(d):
		return "", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (c *Controller) read(ctx context.Context) sensors.Reading { return c.cfg.Bench.Read(ctx) }
