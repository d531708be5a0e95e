package grid

import (
	"bytes"
	"testing"
)

// FuzzParseIntList: the list and range syntax either refuses its input or gives distinct,
// non-negative values within the list bound; it never panics or runs away.
func FuzzParseIntList(f *testing.F) {
	for _, s := range []string{"128,512", "128-2048*2", "64-256+64", "1,2,8-32*2", "16-64", "-5", "1-9223372036854775807*2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := ParseIntList(s)
		if err != nil {
			return
		}
		if len(vs) == 0 || len(vs) > maxListValues {
			t.Fatalf("%q: %d values", s, len(vs))
		}
		seen := map[int]bool{}
		for _, v := range vs {
			if v < 0 || seen[v] {
				t.Fatalf("%q: values %v", s, vs)
			}
			seen[v] = true
		}
	})
}

// FuzzParseStringList: accepted lists hold no empty items.
func FuzzParseStringList(f *testing.F) {
	for _, s := range []string{"gpt2,gpt2-medium", " a , b ", ",", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := ParseStringList(s)
		if err != nil {
			return
		}
		for _, v := range vs {
			if v == "" {
				t.Fatalf("%q: an empty item in %q", s, vs)
			}
		}
	})
}

// FuzzParseSweepFile: any file is a spec or an error, never a panic.
func FuzzParseSweepFile(f *testing.F) {
	f.Add([]byte(`{"models":["gpt2"],"contexts":[128,512],"precisions":["fp16"]}`))
	f.Add([]byte(`{"models":"gpt2","contexts":"128-1024*2"}`))
	f.Add([]byte(`{"models":[],"x":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseSweepFile(bytes.NewReader(b), "sweep.json")
	})
}
