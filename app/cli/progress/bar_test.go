package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestProgressBarRedraw(t *testing.T) {
	const label = "gpt2-medium int4 ctx 1024 batch 4"
	tests := []struct {
		name  string
		width int
		label string
		cut   bool // the bar is wider than width and must be cut to it
	}{
		{"default width", 0, label, false},
		{"default width, long label", 0, strings.Repeat("very-long-model-name ", 10), true},
		{"narrow", 40, label, true},
		{"long label", 60, strings.Repeat("very-long-model-name ", 10), true},
		{"multibyte characters, fits", 0, strings.Repeat("ü", 30), false},
		{"multibyte characters", 40, strings.Repeat("modèle-ünïcode ", 5), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw bytes.Buffer
			c := newFakeClock()
			s := newScreen(t)
			p := New(newTee(s, &raw), 48, Bar, c.now)
			p.Width = tt.width
			width := tt.width
			if width == 0 {
				width = 100
			}

			c.advance(2*time.Minute + 10*time.Second)
			p.Start(tt.label)
			for i := 1; i <= 3; i++ {
				p.Rep(i, 5, false)
			}
			if n := len(s.text()); n != 1 {
				t.Errorf("bar takes %d lines, want 1 redrawn in place: %q", n, s.text())
			}
			bar := s.current()
			if !tt.cut {
				want := "[>                   ] 0/48  " + tt.label + "  rep 3/5  elapsed 2m10s  ETA ?"
				if bar != want {
					t.Errorf("bar = %q, want %q", bar, want)
				}
			} else if !strings.HasPrefix(bar, "[>                   ] 0/48  ") {
				t.Errorf("bar = %q, want it to start with the bar and counter", bar)
			}
			if tt.cut {
				if n := utf8.RuneCountInString(bar); n != width || !strings.HasSuffix(bar, "…") {
					t.Errorf("cut bar = %q, %d characters; want %d ending in …", bar, n, width)
				}
			}
			if got := strings.Count(raw.String(), "\r\033[K"); got != 4 {
				t.Errorf("%d redraws with \\r\\033[K, want 4: %q", got, raw.String())
			}

			p.Finish(tt.label, "ok", "12.3 ms/token")
			p.Start(tt.label)
			p.Rep(1, 2, true)
			if got := s.current(); !tt.cut && !strings.Contains(got, "warmup 1/2") {
				t.Errorf("bar = %q, want warmup 1/2", got)
			}
			for i, w := range s.widths {
				if w > width {
					t.Errorf("write %d leaves a bar %d characters wide, more than %d: %q", i, w, width, s.text())
				}
			}
			if got := s.text()[0]; got != "[1/48] ok "+tt.label+": 12.3 ms/token" {
				t.Errorf("result line above the bar = %q", got)
			}
		})
	}
}

// newTee returns a writer that writes to both a screen and a buffer.
func newTee(s *screen, raw *bytes.Buffer) *teeWriter { return &teeWriter{s, raw} }

type teeWriter struct {
	s   *screen
	raw *bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.raw.Write(b)
	return w.s.Write(b)
}

func TestProgressBarWarn(t *testing.T) {
	c := newFakeClock()
	s := newScreen(t)
	p := New(s, 5, Bar, c.now)
	p.Start("gpt2 int4")
	p.Rep(2, 5, false)
	p.Warn("disk almost full\n")
	got := s.text()
	if len(got) != 2 {
		t.Fatalf("screen = %q, want the warning and the bar", got)
	}
	if got[0] != "disk almost full" {
		t.Errorf("warning line = %q, want it alone on its line", got[0])
	}
	if !strings.HasPrefix(got[1], "[>") || !strings.Contains(got[1], "gpt2 int4  rep 2/5") {
		t.Errorf("bar after the warning = %q, want it redrawn", got[1])
	}

	// With no bar drawn yet, a warning is just a line.
	var out bytes.Buffer
	p = New(&out, 5, Bar, c.now)
	p.Warn("no GPU found")
	if out.String() != "no GPU found\n" {
		t.Errorf("warning before the bar = %q", out.String())
	}
}

func TestProgressQuiet(t *testing.T) {
	var out bytes.Buffer
	c := newFakeClock()
	p := New(&out, 3, Quiet, c.now)
	p.Start("a")
	p.Rep(1, 5, false)
	c.advance(time.Second)
	p.Finish("a", "ok", "1 ms/token")
	p.Skip("b", "already measured")
	p.Warn("careful")
	p.Start("c")
	p.Finish("c", "error", "bad config")
	p.Close()
	if got := out.String(); got != "careful\n" {
		t.Errorf("quiet output = %q, want only the warning", got)
	}
}

func TestProgressClose(t *testing.T) {
	tests := []struct {
		name string
		mode Mode
		run  bool
		want func(string) bool
		desc string
	}{
		{"bar", Bar, true, func(s string) bool { return strings.HasSuffix(s, "ETA 0s\n") }, "the final bar and a newline"},
		{"bar never drawn", Bar, false, func(s string) bool { return s == "" }, "nothing"},
		{"lines", Lines, true, func(s string) bool { return strings.HasSuffix(s, "(elapsed 5s)\n") }, "nothing after the last line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			c := newFakeClock()
			p := New(&out, 1, tt.mode, c.now)
			if tt.run {
				p.Start("a")
				c.advance(5 * time.Second)
				p.Finish("a", "ok", "")
			}
			p.Close()
			if !tt.want(out.String()) {
				t.Errorf("output after Close = %q, want %s", out.String(), tt.desc)
			}
		})
	}

	// On a terminal, Close leaves the cursor at the start of an empty line below the bar.
	c := newFakeClock()
	s := newScreen(t)
	p := New(s, 2, Bar, c.now)
	p.Start("a")
	p.Close()
	lines := s.text()
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "[>") || lines[1] != "" || s.col != 0 {
		t.Errorf("screen after Close = %q, cursor column %d; want the bar, then an empty line", lines, s.col)
	}
}
