package charts

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestRatios(t *testing.T) {
	rs := []Ratio{
		{Label: "gpt2 fp16 c128 b1 decode_tokens_per_sec", Ratio: 0.8, Low: 0.75, High: 0.85, Flagged: -1},
		{Label: "gpt2 fp16 c128 b1 peak_memory_bytes", Ratio: 1, Low: 1, High: 1},
		{Label: "gpt2 fp16 c512 b1 joules_per_token", Ratio: 0.7, Low: 0.6, High: 0.8, Flagged: 1},
	}
	p, err := Ratios(rs, 0.05, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The axis spans every interval and the threshold lines.
	if p.X.Min > 0.6 || p.X.Max < 1.05 {
		t.Errorf("x axis %v–%v does not hold 0.6–1.05", p.X.Min, p.X.Max)
	}
	paths, err := Save(p, t.TempDir(), "compare")
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, paths[0])
	checkSVG(t, paths[1])
	if filepath.Base(paths[0]) != "compare.png" || !strings.HasSuffix(paths[1], "compare.svg") {
		t.Errorf("wrote %v", paths)
	}
	if _, err := Ratios(nil, 0.05, Options{}); !errors.Is(err, ErrNoData) {
		t.Errorf("no ratios: %v, want ErrNoData", err)
	}
}
