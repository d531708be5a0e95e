package menubar

import (
	"unicode/utf8"
)

// setupLog holds the output of setup for the setup window. A write may end inside a UTF-8
// character (pip's progress bars are full of them): the incomplete tail waits for the next
// write, because Cocoa refuses a string that is not valid UTF-8. The end of the text is
// counted in UTF-16 units, as NSTextView's ranges are: a count of bytes would point past the
// end of the text.
type setupLog struct {
	text    []byte
	pending []byte // the start of a character the next write completes
	units   uint64
}

// write appends p and returns the text that became complete.
func (l *setupLog) write(p []byte) string {
	b := append(l.pending, p...)
	l.pending = nil
	// Hold back a tail that could still become a character.
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				l.pending = append([]byte(nil), b[len(b)-i:]...)
				b = b[:len(b)-i]
			}
			break
		}
	}
	s := toValidUTF8(b)
	l.text = append(l.text, s...)
	l.units += utf16Len(s)
	return s
}

// String is the complete text so far.
func (l *setupLog) String() string { return string(l.text) }

// end is the length of String in UTF-16 units: where NSTextView's text ends.
func (l *setupLog) end() uint64 { return l.units }

// toValidUTF8 replaces each invalid byte with U+FFFD, as a decoder shows it.
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]rune, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		out = append(out, r)
		b = b[n:]
	}
	return string(out)
}

// utf16Len counts UTF-16 code units: two for a character outside the Basic Multilingual Plane.
func utf16Len(s string) uint64 {
	var n uint64
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
