package engine

import (
	"bufio"
	"bytes"
	"errors"
	"testing"
)

// FuzzDecodeEvent: any line from a worker decodes to an event or an error, never a panic, and
// an event carries exactly the line it came from. Its corpus is in testdata/fuzz.
func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"type":"hello","protocol":2,"pid":1,"python":"3","mlx":"0.32.4","mlx_lm":"0.32.2","backend":"cpu","device":"x","memory_bytes":1}`))
	f.Add([]byte(`{"type":"sample","id":"m-1","rep":0,"ttft_ms":1,"prefill_ms":1,"prefill_tokens_per_sec":1,"decode_ms":1,"decode_tokens_per_sec":null,"token_latencies_ms":[],"peak_memory_bytes":1,"rss_bytes":1}`))
	f.Add([]byte(`{"type":"error","id":null,"kind":"oom","message":"x"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		ev, err := decodeEvent(line)
		if err == nil && ev == nil {
			t.Fatal("no event and no error")
		}
		if err == nil && ev.Type == "" {
			t.Fatalf("an event without a type from %q", line)
		}
	})
}

// FuzzReadLine: a line is returned whole up to the bound, and beyond it the reader holds no
// more than the bound and says so.
func FuzzReadLine(f *testing.F) {
	f.Add([]byte("abc\ndef\n"), 4)
	f.Add(bytes.Repeat([]byte("x"), 5000), 100)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max <= 0 || max > 1<<16 {
			return
		}
		r := bufio.NewReaderSize(bytes.NewReader(in), 16)
		for {
			line, err := readLine(r, max)
			if errors.Is(err, errLineTooLong) {
				if len(line) > 200 {
					t.Fatalf("a too-long line kept %d bytes", len(line))
				}
				return
			}
			if len(line) > max {
				t.Fatalf("a %d-byte line passed a bound of %d", len(line), max)
			}
			if err != nil {
				return
			}
		}
	})
}
