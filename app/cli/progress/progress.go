// Package progress shows a sweep as it goes: a bar redrawn in place on a terminal, or one line
// per configuration otherwise.
package progress

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Mode selects how a Printer renders.
type Mode int

const (
	// Lines writes one plain line per finished or skipped configuration, with no
	// escape codes; it suits a log file or a CI job.
	Lines Mode = iota
	// Bar redraws a single status line in place with "\r" and "\033[K"; it suits a
	// terminal. The result of each configuration is printed above the bar as it ends.
	Bar
	// Quiet writes nothing but warnings.
	Quiet
)

// defaultWidth is the bar width used when Printer.Width is zero or negative.
const defaultWidth = 100

// barCells is the number of cells between the brackets of the bar.
const barCells = 20

// A Printer reports the advance of a sweep: a run of configurations measured one after
// another. The sweep calls Start when a configuration begins, Rep as its repetitions finish,
// and Finish when it ends, or Skip for a configuration it does not run; Close when it is done.
//
// The counter counts configurations finished or skipped; Start and Rep do not advance it.
// The estimated time left is the mean duration of the configurations actually run, skipped
// ones excluded, times the number of configurations left; until one has been run it is "?".
//
// In Bar mode the bar is redrawn only when one of these methods is called.
//
// A Printer is not safe for concurrent use. Errors writing to its writer are ignored.
type Printer struct {
	// Width is the most columns the bar line may take in Bar mode, so that it never
	// wraps; zero means 100. Set it before the first call.
	Width int

	w     io.Writer
	mode  Mode
	now   func() time.Time
	total int
	done  int
	began time.Time // when New was called
	last  time.Time // when the last configuration finished or was skipped

	runs    int           // configurations finished that were run
	runTime time.Duration // their total duration

	running bool // between Start and Finish
	label   string
	started time.Time
	rep     int
	reps    int
	warmup  bool

	drawn bool // the bar is on the terminal's current line
}

// New returns a Printer for a sweep of total configurations that renders to w in
// the given mode. now reads the clock; nil means time.Now. Elapsed time counts from here.
func New(w io.Writer, total int, mode Mode, now func() time.Time) *Printer {
	if now == nil {
		now = time.Now
	}
	t := now()
	return &Printer{w: w, mode: mode, now: now, total: max(total, 0), began: t, last: t}
}

// Start records that the configuration described by label begins.
func (p *Printer) Start(label string) {
	p.running = true
	p.label = label
	p.started = p.now()
	p.rep, p.reps, p.warmup = 0, 0, false
	p.redraw("")
}

// Rep records that repetition done of of the current configuration finished; warmup says
// whether it was a warm-up repetition. Only the bar shows repetitions.
func (p *Printer) Rep(done, of int, warmup bool) {
	p.rep, p.reps, p.warmup = done, of, warmup
	p.redraw("")
}

// Finish records that a configuration ended with status (ok, oom, crash, timeout, error,
// skipped) and detail, a measurement or the reason it failed. Its duration, from Start, goes
// into the estimate whatever the status, except "skipped", which is counted as Skip is.
// An empty label means the one given to Start.
func (p *Printer) Finish(label, status, detail string) {
	if status == "skipped" {
		p.Skip(label, detail)
		return
	}
	if label == "" {
		label = p.label
	}
	t := p.now()
	begin := p.last
	if p.running {
		begin = p.started
	}
	p.runs++
	p.runTime += max(t.Sub(begin), 0)
	p.done++
	p.last = t
	p.running = false

	line := fmt.Sprintf("[%d/%d] %s %s", p.done, p.total, status, label)
	if detail != "" {
		line += ": " + detail
	}
	switch p.mode {
	case Lines:
		if p.remaining() > 0 {
			line += " (ETA " + p.eta() + ")"
		} else {
			line += " (elapsed " + formatDuration(t.Sub(p.began)) + ")"
		}
		p.println(line)
	case Bar:
		p.redraw(line)
	}
}

// Skip records that a configuration is counted as done without being run, for reason, such
// as that it was already measured. Skipped configurations do not enter the estimate.
func (p *Printer) Skip(label, reason string) {
	if label == "" {
		label = p.label
	}
	p.done++
	p.last = p.now()
	p.running = false

	line := fmt.Sprintf("[%d/%d] skipped %s", p.done, p.total, label)
	if reason != "" {
		line += ": " + reason
	}
	switch p.mode {
	case Lines:
		p.println(line)
	case Bar:
		p.redraw(line)
	}
}

// Warn prints msg on a line of its own in every mode, quiet included. In Bar mode
// the bar is cleared first and drawn again below the message.
func (p *Printer) Warn(msg string) {
	msg = strings.TrimSuffix(msg, "\n")
	if p.mode == Bar && p.drawn {
		p.redraw(msg)
		return
	}
	p.println(msg)
}

// Close leaves the terminal on a fresh line, below the final state of the bar. It writes
// nothing in the other modes.
func (p *Printer) Close() {
	if p.mode == Bar && p.drawn {
		io.WriteString(p.w, "\r\033[K"+p.bar()+"\n")
		p.drawn = false
	}
}

func (p *Printer) println(line string) {
	io.WriteString(p.w, line+"\n")
}

// redraw clears the bar's line, prints line above the bar if it is not empty, and draws
// the bar, in a single write. It does nothing outside Bar mode.
func (p *Printer) redraw(line string) {
	if p.mode != Bar {
		return
	}
	var b strings.Builder
	b.WriteString("\r\033[K")
	if line != "" {
		b.WriteString(line)
		b.WriteString("\n")
	}
	b.WriteString(p.bar())
	io.WriteString(p.w, b.String())
	p.drawn = true
}

// bar returns the status line, cut to the width.
func (p *Printer) bar() string {
	filled := barCells
	if p.total > 0 {
		filled = min(p.done, p.total) * barCells / p.total
	}
	var b strings.Builder
	b.WriteString("[")
	b.WriteString(strings.Repeat("=", filled))
	if filled < barCells {
		b.WriteString(">")
		b.WriteString(strings.Repeat(" ", barCells-filled-1))
	}
	fmt.Fprintf(&b, "] %d/%d", p.done, p.total)
	if p.running {
		b.WriteString("  " + p.label)
		if p.reps > 0 {
			kind := "rep"
			if p.warmup {
				kind = "warmup"
			}
			fmt.Fprintf(&b, "  %s %d/%d", kind, p.rep, p.reps)
		}
	}
	b.WriteString("  elapsed " + formatDuration(p.now().Sub(p.began)))
	b.WriteString("  ETA " + p.eta())

	width := p.Width
	if width <= 0 {
		width = defaultWidth
	}
	return truncateRunes(b.String(), width)
}

// remaining returns the number of configurations not yet finished or skipped.
func (p *Printer) remaining() int {
	return max(p.total-p.done, 0)
}

// eta returns the estimated time left, or "?" before any configuration has been run.
func (p *Printer) eta() string {
	if p.runs == 0 {
		return "?"
	}
	mean := p.runTime / time.Duration(p.runs)
	return formatDuration(mean * time.Duration(p.remaining()))
}

// formatDuration formats d compactly: 45s, 2m10s, 1h04m. It rounds to the second, and above
// an hour to the minute.
func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	if d <= 0 {
		return "0s"
	}
	if d < time.Minute {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	if d < time.Hour {
		return fmt.Sprintf("%dm%02ds", d/time.Minute, d%time.Minute/time.Second)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", d/time.Hour, d%time.Hour/time.Minute)
}

// truncateRunes cuts s to at most n characters, marking a cut with an ellipsis.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return s[:i] + "…"
}
