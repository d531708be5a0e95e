package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// WorkerSpec says how to start a worker process.
type WorkerSpec struct {
	Python string   // interpreter path
	Dir    string   // directory holding the inferbench_worker package (becomes PYTHONPATH)
	Env    []string // extra environment, KEY=VALUE
	// StartTimeout bounds the wait for the worker's hello line (importing MLX can take seconds).
	StartTimeout time.Duration
	// Log, when set, receives the worker's stderr as it is written.
	Log io.Writer
}

// Worker is a running worker process. It is not safe for concurrent requests: one at a time.
type Worker struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	events  chan eventOrErr
	exited  chan struct{} // closed once the process has been reaped
	quit    chan struct{} // closed when nobody will read events any more
	once    sync.Once
	waitErr error // set before exited is closed
	stderr  *tail
	hello   Hello
	killed  atomic.Bool // we killed it, so a SIGKILL is not an OOM
	nextID  atomic.Int64
	oom     oomMark
	// oomEvidence, set before exited is closed, says where the system recorded an
	// out-of-memory kill of the worker; "" when it did not.
	oomEvidence string
}

// MaxLineBytes bounds one line from the worker. The largest real event (a sample of a long
// generation) is a few hundred kilobytes; a longer line is a broken worker, and reading it
// whole would let the worker exhaust Inferbench's memory.
const MaxLineBytes = 1 << 20

// DefaultStartTimeout bounds the wait for a worker's hello when nothing else is given:
// importing MLX on a cold disk takes seconds.
const DefaultStartTimeout = 2 * time.Minute

type eventOrErr struct {
	ev  *event
	err error
}

// StartWorker starts the worker and waits for its hello line.
func StartWorker(ctx context.Context, spec WorkerSpec) (*Worker, error) {
	if spec.StartTimeout <= 0 {
		spec.StartTimeout = DefaultStartTimeout
	}
	python := spec.Python
	// The worker runs in its own folder, where a path relative to this one names nothing.
	if !filepath.IsAbs(python) && strings.ContainsRune(python, filepath.Separator) {
		if abs, err := filepath.Abs(python); err == nil {
			python = abs
		}
	}
	// The folder on the command line tells, in ps, which inferbench's worker this is.
	cmd := exec.Command(python, "-u", "-m", "inferbench_worker", spec.Dir)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+spec.Dir, "PYTHONDONTWRITEBYTECODE=1")
	cmd.Env = append(cmd.Env, spec.Env...)
	cmd.Dir = spec.Dir
	// Its own process group: a terminal's Ctrl-C reaches only inferbench, which decides what
	// to do, and Kill can take down anything the worker started.
	// Where the system can, it kills the worker when inferbench dies (workerProcAttr); the
	// worker also exits when its stdin closes or its parent changes.
	cmd.SysProcAttr = workerProcAttr()
	cmd.Env = append(cmd.Env, fmt.Sprintf("INFERBENCH_PARENT_PID=%d", os.Getpid()))
	w := &Worker{
		oom:    markOOM(),
		cmd:    cmd,
		events: make(chan eventOrErr, 64),
		exited: make(chan struct{}),
		quit:   make(chan struct{}),
		stderr: newTail(16 << 10),
	}
	var err error
	if w.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	if spec.Log != nil {
		cmd.Stderr = io.MultiWriter(w.stderr, spec.Log)
	} else {
		cmd.Stderr = w.stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, &StartError{Python: spec.Python, Err: err}
	}
	go w.read(stdout)

	ctx, cancel := context.WithTimeout(ctx, spec.StartTimeout)
	defer cancel()
	ev, err := w.next(ctx)
	if err != nil {
		w.Kill()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, &StartError{Python: spec.Python, Err: fmt.Errorf("worker did not say hello within %s (raise --timeout on a slow disk): %w", spec.StartTimeout, err)}
		}
		var exit *ExitError
		if errors.As(err, &exit) {
			return nil, &StartError{Python: spec.Python, Exit: exit}
		}
		return nil, err
	}
	if ev.Hello == nil {
		w.Kill()
		return nil, &ProtocolError{Line: ev.RawLine, Reason: "first line is not hello"}
	}
	w.hello = *ev.Hello
	return w, nil
}

// read decodes stdout into events until EOF, then reaps the process.
func (w *Worker) read(stdout io.Reader) {
	r := bufio.NewReaderSize(stdout, 1<<16)
	for {
		line, err := readLine(r, MaxLineBytes)
		if errors.Is(err, errLineTooLong) {
			// The worker is broken: stop it, report it, and discard the rest unread.
			w.killed.Store(true)
			w.signalKill()
			w.deliver(eventOrErr{err: &ProtocolError{Line: string(line), Reason: fmt.Sprintf("a line longer than %d bytes", MaxLineBytes)}})
			_, _ = io.Copy(io.Discard, r)
			break
		}
		if len(bytes.TrimSpace(line)) > 0 {
			ev, derr := decodeEvent(line)
			w.deliver(eventOrErr{ev: ev, err: derr})
		}
		if err != nil {
			break
		}
	}
	// Wait only after stdout is drained, as os/exec requires.
	w.waitErr = w.cmd.Wait()
	if ws, ok := w.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL && !w.killed.Load() {
		w.oomEvidence, _ = confirmOOM(w.oom, w.cmd.Process.Pid)
	}
	close(w.exited)
	close(w.events)
}

// deliver hands an event to whoever reads them, or drops it once nobody will, so that the
// process can still exit and be reaped.
func (w *Worker) deliver(e eventOrErr) {
	select {
	case w.events <- e:
	case <-w.quit:
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line of at most max bytes. Beyond max it returns the first bytes read
// and errLineTooLong, having held no more than max bytes.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(line)+len(frag) > max {
			const keep = 200 // enough of the line to show what it was
			head := line[:min(len(line), keep)]
			return append(head, frag[:min(len(frag), keep-len(head))]...), errLineTooLong
		}
		line = append(line, frag...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// next returns the worker's next event, or why there is none.
func (w *Worker) next(ctx context.Context) (*event, error) {
	select {
	case e, ok := <-w.events:
		if !ok {
			return nil, w.exitError()
		}
		return e.ev, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Hello returns what the worker announced about itself.
func (w *Worker) Hello() Hello { return w.hello }

func (w *Worker) send(req any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := w.stdin.Write(append(b, '\n')); err != nil {
		// The process is gone; report how it died rather than a broken pipe.
		select {
		case <-w.exited:
			return w.exitError()
		case <-time.After(2 * time.Second):
			return fmt.Errorf("write to worker: %w", err)
		}
	}
	return nil
}

// LoadRequest asks the worker to load a model at a precision.
type LoadRequest struct {
	Model     string
	Precision string
	Weights   string
	Seed      int
}

// Load loads the worker's model. A worker loads one model for its life.
func (w *Worker) Load(ctx context.Context, req LoadRequest) (*Loaded, error) {
	id := fmt.Sprintf("load-%d", w.nextID.Add(1))
	err := w.send(map[string]any{"type": "load", "id": id, "model": req.Model,
		"precision": req.Precision, "weights": req.Weights, "seed": req.Seed})
	if err != nil {
		return nil, err
	}
	ev, err := w.await(ctx, id)
	if err != nil {
		return nil, err
	}
	if ev.Loaded == nil {
		return nil, w.breach(ev, "expected loaded or error, got "+ev.Type)
	}
	return ev.Loaded, nil
}

// MeasureRequest asks for one configuration's repetitions.
type MeasureRequest struct {
	Context, Generate, Batch, Warmup, Repeats, Seed int
	MemoryLimit                                     int64 // bytes; 0 for none
}

// Progress reports a finished repetition while a measurement runs.
type Progress struct {
	Warmup bool
	Rep    int // 0-based within warm-ups or measured repetitions
	Of     int
}

// Measure runs one configuration and returns its samples. onProgress may be nil.
func (w *Worker) Measure(ctx context.Context, req MeasureRequest, onProgress func(Progress)) ([]Sample, error) {
	id := fmt.Sprintf("m-%d", w.nextID.Add(1))
	msg := map[string]any{"type": "measure", "id": id, "context": req.Context,
		"generate": req.Generate, "batch": req.Batch, "warmup": req.Warmup,
		"repeats": req.Repeats, "seed": req.Seed}
	if req.MemoryLimit > 0 {
		msg["memory_limit_bytes"] = req.MemoryLimit
	}
	err := w.send(msg)
	if err != nil {
		return nil, err
	}
	var samples []Sample
	for {
		ev, err := w.await(ctx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case ev.Warmup != nil:
			if onProgress != nil {
				onProgress(Progress{Warmup: true, Rep: ev.Warmup.Rep, Of: req.Warmup})
			}
		case ev.Sample != nil:
			s := *ev.Sample
			if s.Rep != len(samples) {
				return nil, w.breach(ev, fmt.Sprintf("sample rep %d out of order, expected %d", s.Rep, len(samples)))
			}
			if len(s.TokenLatenciesMs) != req.Generate-1 {
				return nil, w.breach(ev, fmt.Sprintf("sample has %d token latencies, expected generate-1 = %d", len(s.TokenLatenciesMs), req.Generate-1))
			}
			samples = append(samples, s)
			if onProgress != nil {
				onProgress(Progress{Rep: s.Rep, Of: req.Repeats})
			}
		case ev.Done != nil:
			if len(samples) != req.Repeats {
				return nil, w.breach(ev, fmt.Sprintf("done after %d samples, expected %d", len(samples), req.Repeats))
			}
			return samples, nil
		default:
			return nil, w.breach(ev, "unexpected "+ev.Type+" event during a measurement")
		}
	}
}

// breach kills a worker that broke the protocol: its state can no longer be trusted.
func (w *Worker) breach(ev *event, reason string) error {
	w.Kill()
	return &ProtocolError{Line: ev.RawLine, Reason: reason}
}

// await returns the next event for request id. Error events become *RequestError; a context
// that ends kills the worker, since a measurement cannot be interrupted any other way.
func (w *Worker) await(ctx context.Context, id string) (*event, error) {
	ev, err := w.next(ctx)
	if err != nil {
		if ctx.Err() != nil {
			w.Kill()
		}
		var perr *ProtocolError
		if errors.As(err, &perr) {
			w.Kill()
		}
		return nil, err
	}
	if ev.Error != nil {
		return nil, &RequestError{Kind: ev.Error.Kind, Message: ev.Error.Message}
	}
	if ev.ID == nil || *ev.ID != id {
		got := "none"
		if ev.ID != nil {
			got = *ev.ID
		}
		return nil, w.breach(ev, fmt.Sprintf("answer for request %s while waiting for %s", got, id))
	}
	return ev, nil
}

// Close asks the worker to exit by closing its stdin, and kills it if it has not within a grace period.
func (w *Worker) Close() error {
	w.stopReading()
	select {
	case <-w.exited:
	case <-time.After(5 * time.Second):
		w.Kill()
		<-w.exited
	}
	return nil
}

// Kill ends the worker at once and waits until it is reaped.
func (w *Worker) Kill() {
	w.killed.Store(true)
	w.stopReading()
	w.signalKill()
	<-w.exited
}

// signalKill sends SIGKILL to the worker and anything it started.
func (w *Worker) signalKill() {
	_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
	_ = w.cmd.Process.Kill()
}

func (w *Worker) stopReading() {
	w.once.Do(func() {
		close(w.quit)
		w.stdin.Close()
	})
}

// Alive reports whether the process is still running.
func (w *Worker) Alive() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

// exitError describes how the process ended; call only after exited is closed.
func (w *Worker) exitError() error {
	<-w.exited
	e := &ExitError{StderrTail: w.stderr.String(), KilledByUs: w.killed.Load(), OOMEvidence: w.oomEvidence}
	var xe *exec.ExitError
	if errors.As(w.waitErr, &xe) {
		if ws, ok := xe.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			e.Signal = ws.Signal()
		} else {
			e.ExitCode = xe.ExitCode()
		}
	} else if w.waitErr != nil {
		e.ExitCode = -1
	}
	return e
}
