package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct{ t time.Time }

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// screen is a minimal terminal: it understands "\r", "\n" and "\033[K" (erase to the end of
// the line) and records any other escape sequence as an error.
type screen struct {
	t     *testing.T
	lines [][]rune
	row   int
	col   int
	// widths holds the width of the cursor's line after each write.
	widths []int
}

func newScreen(t *testing.T) *screen {
	return &screen{t: t, lines: [][]rune{nil}}
}

func (s *screen) Write(b []byte) (int, error) {
	str := string(b)
	for i := 0; i < len(str); {
		if strings.HasPrefix(str[i:], "\033[K") {
			s.lines[s.row] = s.lines[s.row][:min(s.col, len(s.lines[s.row]))]
			i += len("\033[K")
			continue
		}
		r, size := utf8.DecodeRuneInString(str[i:])
		i += size
		switch r {
		case '\033':
			s.t.Errorf("unexpected escape sequence in %q", str)
		case '\r':
			s.col = 0
		case '\n':
			s.row++
			s.col = 0
			if s.row == len(s.lines) {
				s.lines = append(s.lines, nil)
			}
		default:
			line := s.lines[s.row]
			for len(line) < s.col {
				line = append(line, ' ')
			}
			if s.col < len(line) {
				line[s.col] = r
			} else {
				line = append(line, r)
			}
			s.lines[s.row] = line
			s.col++
		}
	}
	s.widths = append(s.widths, len(s.lines[s.row]))
	return len(b), nil
}

// text returns the lines on the screen, the cursor's line last.
func (s *screen) text() []string {
	var out []string
	for _, l := range s.lines {
		out = append(out, string(l))
	}
	return out
}

// current returns the line the cursor is on.
func (s *screen) current() string { return string(s.lines[s.row]) }

func TestProgressFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0s"},
		{400 * time.Millisecond, "0s"},
		{45 * time.Second, "45s"},
		{59*time.Second + 600*time.Millisecond, "1m00s"},
		{2*time.Minute + 10*time.Second, "2m10s"},
		{12*time.Minute + 5*time.Second, "12m05s"},
		{59*time.Minute + 59*time.Second, "59m59s"},
		{time.Hour + 4*time.Minute, "1h04m"},
		{time.Hour + 4*time.Minute + 20*time.Second, "1h04m"},
		{time.Hour + 4*time.Minute + 40*time.Second, "1h05m"},
		{26*time.Hour + 30*time.Minute, "26h30m"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.d); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestProgressETA drives a sweep in lines mode and checks the last line written.
func TestProgressETA(t *testing.T) {
	run := func(p *Printer, c *fakeClock, label string, d time.Duration) {
		p.Start(label)
		c.advance(d)
		p.Finish(label, "ok", "")
	}
	tests := []struct {
		name  string
		total int
		steps func(p *Printer, c *fakeClock)
		want  string
	}{
		{
			name:  "mean of two runs times four left",
			total: 6,
			steps: func(p *Printer, c *fakeClock) {
				run(p, c, "a", 10*time.Second)
				run(p, c, "b", 20*time.Second)
			},
			want: "[2/6] ok b (ETA 1m00s)",
		},
		{
			name:  "skips take no time but advance the counter",
			total: 7,
			steps: func(p *Printer, c *fakeClock) {
				run(p, c, "a", 10*time.Second)
				c.advance(5 * time.Minute)
				p.Skip("s", "already measured")
				run(p, c, "b", 20*time.Second)
			},
			want: "[3/7] ok b (ETA 1m00s)",
		},
		{
			name:  "finish with status skipped is a skip",
			total: 7,
			steps: func(p *Printer, c *fakeClock) {
				run(p, c, "a", 10*time.Second)
				p.Start("s")
				c.advance(5 * time.Minute)
				p.Finish("s", "skipped", "after an OOM")
				run(p, c, "b", 20*time.Second)
			},
			want: "[3/7] ok b (ETA 1m00s)",
		},
		{
			name:  "failures are runs",
			total: 4,
			steps: func(p *Printer, c *fakeClock) {
				run(p, c, "a", 10*time.Second)
				p.Start("b")
				c.advance(50 * time.Second)
				p.Finish("b", "oom", "out of memory")
			},
			want: "[2/4] oom b: out of memory (ETA 1m00s)",
		},
		{
			name:  "time before Start is not a run's",
			total: 3,
			steps: func(p *Printer, c *fakeClock) {
				c.advance(time.Hour)
				run(p, c, "a", 30*time.Second)
			},
			want: "[1/3] ok a (ETA 1m00s)",
		},
		{
			name:  "last finish reports elapsed time",
			total: 2,
			steps: func(p *Printer, c *fakeClock) {
				c.advance(time.Minute)
				run(p, c, "a", 10*time.Second)
				run(p, c, "b", 20*time.Second)
			},
			want: "[2/2] ok b (elapsed 1m30s)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			c := newFakeClock()
			p := New(&out, tt.total, Lines, c.now)
			tt.steps(p, c)
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if got := lines[len(lines)-1]; got != tt.want {
				t.Errorf("last line = %q, want %q\noutput:\n%s", got, tt.want, out.String())
			}
		})
	}
}

// TestProgressBarETA checks the estimate on the bar, which is drawn before any configuration
// has finished.
func TestProgressBarETA(t *testing.T) {
	c := newFakeClock()
	s := newScreen(t)
	p := New(s, 6, Bar, c.now)

	p.Start("a")
	if got := s.current(); !strings.HasSuffix(got, "ETA ?") {
		t.Errorf("bar before any finish = %q, want ETA ?", got)
	}
	c.advance(time.Minute)
	p.Skip("a", "already measured")
	if got := s.current(); !strings.HasSuffix(got, "ETA ?") {
		t.Errorf("bar after only a skip = %q, want ETA ?", got)
	}
	p.Start("b")
	c.advance(10 * time.Second)
	p.Finish("b", "ok", "")
	p.Start("c")
	c.advance(20 * time.Second)
	p.Rep(1, 5, false)
	if got := s.current(); !strings.HasSuffix(got, "ETA 40s") {
		t.Errorf("bar after a 10s run with 4 left = %q, want ETA 40s", got)
	}
}

func TestProgressCounter(t *testing.T) {
	c := newFakeClock()
	s := newScreen(t)
	p := New(s, 3, Bar, c.now)
	counter := func() string {
		f := strings.Fields(strings.SplitN(s.current(), "]", 2)[1])
		return f[0]
	}
	steps := []struct {
		do   func()
		want string
	}{
		{func() { p.Start("a") }, "0/3"},
		{func() { p.Rep(1, 2, true) }, "0/3"},
		{func() { p.Rep(1, 2, false) }, "0/3"},
		{func() { p.Finish("a", "ok", "") }, "1/3"},
		{func() { p.Skip("b", "already measured") }, "2/3"},
		{func() { p.Start("c") }, "2/3"},
		{func() { p.Finish("c", "crash", "exit status 1") }, "3/3"},
	}
	for i, st := range steps {
		st.do()
		if got := counter(); got != st.want {
			t.Errorf("step %d: counter %q, want %q (bar %q)", i, got, st.want, s.current())
		}
	}
	if got, want := s.current(), "[====================] 3/3"; !strings.HasPrefix(got, want) {
		t.Errorf("full bar = %q, want prefix %q", got, want)
	}
	p.Skip("d", "one more than the total")
	if got, want := s.current(), "[====================] 4/3  elapsed"; !strings.HasPrefix(got, want) {
		t.Errorf("overfull bar = %q, want prefix %q", got, want)
	}
}

func TestProgressLines(t *testing.T) {
	var out bytes.Buffer
	c := newFakeClock()
	p := New(&out, 4, Lines, c.now)

	p.Start("gpt2 int4 ctx 1024 batch 4")
	p.Rep(1, 1, true)
	for i := 1; i <= 5; i++ {
		c.advance(2 * time.Second)
		p.Rep(i, 5, false)
	}
	p.Finish("gpt2 int4 ctx 1024 batch 4", "ok", "12.3 ms/token, 81.2 tokens/s")
	p.Skip("gpt2 int4 ctx 2048 batch 4", "skipped after an OOM")
	p.Start("gpt2 int8 ctx 1024 batch 4")
	c.advance(20 * time.Second)
	p.Warn("low memory")
	p.Finish("gpt2 int8 ctx 1024 batch 4", "timeout", "no answer in 20s")
	p.Skip("gpt2 int8 ctx 2048 batch 4", "already measured")
	p.Close()

	want := "[1/4] ok gpt2 int4 ctx 1024 batch 4: 12.3 ms/token, 81.2 tokens/s (ETA 30s)\n" +
		"[2/4] skipped gpt2 int4 ctx 2048 batch 4: skipped after an OOM\n" +
		"low memory\n" +
		"[3/4] timeout gpt2 int8 ctx 1024 batch 4: no answer in 20s (ETA 15s)\n" +
		"[4/4] skipped gpt2 int8 ctx 2048 batch 4: already measured\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	if strings.ContainsAny(out.String(), "\r\033") {
		t.Errorf("lines output has escape codes: %q", out.String())
	}
}
