package grid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/inferbench/inferbench/engine"
)

// The sweep file parser's messages: where in the file, and what a value or a mistyped field is.

func isNumber(raw json.RawMessage) bool {
	return raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')
}

// describeJSON names the kind of a JSON value for an error message.
func describeJSON(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if isNumber(raw) {
		return "a number"
	}
	return fmt.Sprintf("%q", raw)
}

// suggestField returns the field a mistyped key probably meant, or "".
func suggestField(key string) string {
	k := strings.ReplaceAll(strings.ToLower(key), "-", "_")
	if k == "max_repeats" {
		return "repeats"
	}
	best, bestDist := "", 3
	for _, f := range sweepFields {
		d := editDistance(k, f)
		if len(k) >= 3 && (strings.HasPrefix(f, k) || strings.HasPrefix(k, f)) {
			d = min(d, 2)
		}
		if d < bestDist {
			best, bestDist = f, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (p *sweepParser) errorf(off int, format string, args ...any) {
	p.errs = append(p.errs, locatedError{off, fmt.Sprintf(format, args...)})
}

// fatal is an error that stops parsing.
func (p *sweepParser) fatal(off int, format string, args ...any) error {
	return &engine.InvalidError{Msg: fmt.Sprintf("%s:%s: %s", p.name, p.position(off), fmt.Sprintf(format, args...))}
}

// syntaxError places a JSON syntax error in the file.
func (p *sweepParser) syntaxError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		end := len(bytes.TrimRight(p.data, " \t\r\n"))
		return p.fatal(end, "the file ends inside the sweep object: close every [ with ] and { with }")
	}
	// The decoder's offsets are not always those of the bad byte; Unmarshal's are.
	var v any
	var se *json.SyntaxError
	if errors.As(json.Unmarshal(p.data, &v), &se) {
		return p.fatal(max(int(se.Offset)-1, 0), "JSON syntax error: %v", se)
	}
	return p.fatal(0, "JSON syntax error: %v", err)
}

// skip returns the offset of the first byte at or after off that is neither white space nor
// one of the separators in seps.
func (p *sweepParser) skip(off int, seps string) int { return skipIn(p.data, off, seps) }

func skipIn(data []byte, off int, seps string) int {
	for off < len(data) && (strings.IndexByte(" \t\r\n", data[off]) >= 0 || strings.IndexByte(seps, data[off]) >= 0) {
		off++
	}
	return off
}

// position returns the line and column of a byte offset, both counted from 1, as "line:col".
func (p *sweepParser) position(off int) string {
	off = min(off, len(p.data))
	line := 1 + bytes.Count(p.data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(p.data[:off], '\n')
	return fmt.Sprintf("%d:%d", line, col)
}
