package menubar

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestSetupLogSplitsCharacters(t *testing.T) {
	// pip's progress bar, an emoji outside the BMP (two UTF-16 units) and plain ASCII.
	full := "Downloading mlx ━━━━━━━━╸━━ 12.3 MB 🙂 done\nInstalled é\n"
	b := []byte(full)
	// Every way of cutting the output in two, and byte by byte.
	for cut := 0; cut <= len(b); cut++ {
		var l setupLog
		got := l.write(b[:cut]) + l.write(b[cut:])
		if got != full || l.String() != full {
			t.Fatalf("cut at %d: got %q, want %q", cut, got, full)
		}
		if want := uint64(len(utf16.Encode([]rune(full)))); l.end() != want {
			t.Fatalf("cut at %d: end %d, want %d UTF-16 units", cut, l.end(), want)
		}
	}
	var l setupLog
	for i := range b {
		if s := l.write(b[i : i+1]); !utf8.ValidString(s) {
			t.Fatalf("byte %d: wrote %q, not valid UTF-8", i, s)
		}
	}
	if l.String() != full {
		t.Fatalf("byte by byte: %q", l.String())
	}
	if l.end() >= uint64(len(full)) {
		t.Errorf("end %d is not below the byte count %d: it counts bytes", l.end(), len(full))
	}
}

func TestSetupLogInvalidBytes(t *testing.T) {
	var l setupLog
	got := l.write([]byte("ok \xff\xfe bad\n"))
	if !utf8.ValidString(got) || !strings.Contains(got, "\uFFFD") || !strings.HasSuffix(got, " bad\n") {
		t.Fatalf("wrote %q", got)
	}
	// An incomplete character followed by something that cannot complete it.
	l = setupLog{}
	got = l.write([]byte("a\xe2\x94")) + l.write([]byte("b"))
	if !utf8.ValidString(got) || !strings.HasPrefix(got, "a") || !strings.HasSuffix(got, "b") {
		t.Fatalf("wrote %q", got)
	}
	if want := uint64(len(utf16.Encode([]rune(got)))); l.end() != want {
		t.Errorf("end %d, want %d", l.end(), want)
	}
}
