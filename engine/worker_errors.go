package engine

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
)

// RequestError is an error event: the worker is alive and refused or failed one request.
type RequestError struct {
	Kind    string // invalid, oom or internal
	Message string
}

func (e *RequestError) Error() string { return fmt.Sprintf("worker: %s: %s", e.Kind, e.Message) }

// ExitError is a worker that ended without being asked to.
type ExitError struct {
	Signal     syscall.Signal // non-zero when killed by a signal
	ExitCode   int
	KilledByUs bool
	StderrTail string
	// OOMEvidence says where the system recorded an out-of-memory kill of the worker: the
	// cgroup's memory.events, the kernel log or a jetsam report. "" when none did.
	OOMEvidence string
}

// OOM reports whether the system confirms that it killed the worker for memory. A SIGKILL
// alone does not: the out-of-memory killer, jetsam and `kill -9` all send it.
func (e *ExitError) OOM() bool {
	return !e.KilledByUs && e.Signal == syscall.SIGKILL && e.OOMEvidence != ""
}

// KilledOutside reports a SIGKILL from outside Inferbench that the system does not record as
// an out-of-memory kill.
func (e *ExitError) KilledOutside() bool {
	return !e.KilledByUs && e.Signal == syscall.SIGKILL && e.OOMEvidence == ""
}

func (e *ExitError) Error() string {
	var how string
	switch {
	case e.OOM():
		how = fmt.Sprintf("killed by signal %d (%s): out of memory (%s)", int(e.Signal), e.Signal, e.OOMEvidence)
	case e.KilledOutside():
		how = fmt.Sprintf("killed by signal %d (%s) from outside Inferbench; no out-of-memory kill is on record (cgroup memory.events, kernel log, jetsam reports), so it is not counted as out of memory", int(e.Signal), e.Signal)
	case e.Signal != 0:
		how = fmt.Sprintf("killed by signal %d (%s)", int(e.Signal), e.Signal)
	default:
		how = fmt.Sprintf("exited with status %d", e.ExitCode)
	}
	msg := "worker " + how
	if t := strings.TrimSpace(e.StderrTail); t != "" {
		msg += "; its last output:\n" + lastLines(t, 12)
	}
	return msg
}

// StartError is a worker that never said hello: the interpreter would not run, died first
// (usually a missing or broken environment), or took too long.
type StartError struct {
	Python string
	Exit   *ExitError // how it died, when it did
	Err    error      // otherwise, why it did not start
}

func (e *StartError) Error() string {
	hint := "run `inferbench doctor` to see what is missing, and `inferbench setup` to create a Python environment with MLX"
	var why error = e.Exit
	if e.Exit == nil {
		why = e.Err
	} else if strings.Contains(e.Exit.StderrTail, "No module named") {
		hint = "the Python environment lacks MLX: run `inferbench setup` (or `make setup`), or point --python / INFERBENCH_PYTHON at an interpreter with mlx and mlx-lm"
	}
	return fmt.Sprintf("the MLX worker (%s) failed to start: %v\n%s", e.Python, why, hint)
}

func (e *StartError) Unwrap() error {
	if e.Exit != nil {
		return e.Exit
	}
	return e.Err
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// tail keeps the last bytes written to it: a dead worker's stderr explains its death.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
