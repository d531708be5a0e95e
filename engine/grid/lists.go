package grid

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/engine"
)

// ParseIntList parses a comma-separated list of whole numbers and ranges in the style of
// llama-bench: "128,512,1024"; "128-2048*2", from 128 to 2048 multiplying by 2 (128, 256,
// ..., 2048); "1-8+3", from 1 to 8 adding 3 (1, 4, 7); or a mix, "1,2,8-32*2". A range's end
// is included when a step lands on it. A range needs its step: "16-64" is refused rather than
// guessed. Values that repeat are kept once, in the order they first appear. Errors name the
// item at fault.
func ParseIntList(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, invalidf("empty list: give at least one number, such as 128,512 or 128-2048*2")
	}
	var out []int
	seen := map[int]bool{}
	add := func(v int) error {
		if seen[v] {
			return nil
		}
		if len(out) == maxListValues {
			return invalidf("%q makes more than %d values: a list may hold at most %d", s, maxListValues, maxListValues)
		}
		seen[v] = true
		out = append(out, v)
		return nil
	}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, invalidf("item %d of %q is empty: remove the extra comma", i+1, s)
		}
		if err := parseIntItem(item, add); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseIntItem(item string, add func(int) error) error {
	if isDigits(item) {
		v, err := atoi(item)
		if err != nil {
			return err
		}
		return add(v)
	}
	if item[0] == '-' && isDigits(item[1:]) {
		return invalidf("negative number %s: values must be 0 or more", item)
	}
	malformed := invalidf("malformed range %q: write START-END*FACTOR (128-2048*2 doubles from 128 up to 2048) or START-END+STEP (1-8+1 counts from 1 to 8)", item)
	first, rest, isRange := strings.Cut(item, "-")
	if !isRange {
		if strings.ContainsAny(item, "*+") {
			return malformed
		}
		return invalidf("%q is not a whole number", item)
	}
	i := strings.IndexAny(rest, "*+")
	if i < 0 {
		if isDigits(first) && isDigits(rest) {
			return invalidf("range %q has no step: write %s+1 to count up by one or %s*2 to double", item, item, item)
		}
		return malformed
	}
	last, op, by := rest[:i], rest[i], rest[i+1:]
	if !isDigits(first) || !isDigits(last) || !isDigits(by) {
		return malformed
	}
	start, err := atoi(first)
	if err != nil {
		return err
	}
	end, err := atoi(last)
	if err != nil {
		return err
	}
	step, err := atoi(by)
	if err != nil {
		return err
	}
	if end < start {
		return invalidf("range %q ends before it starts (%d < %d): write %d-%d%c%d", item, end, start, end, start, op, step)
	}
	if op == '*' {
		if step < 2 {
			return invalidf("range %q multiplies by %d: the factor must be at least 2", item, step)
		}
		if start == 0 {
			return invalidf("range %q starts at 0, which multiplying never leaves: start at 1 or more", item)
		}
		for v := start; ; v *= step {
			if err := add(v); err != nil {
				return err
			}
			if v > end/step {
				return nil
			}
		}
	}
	if step < 1 {
		return invalidf("range %q adds %d: the step must be at least 1", item, step)
	}
	for v := start; ; v += step {
		if err := add(v); err != nil {
			return err
		}
		if v > end-step {
			return nil
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, invalidf("%s is too large", s)
	}
	return v, nil
}

// ParseStringList parses a comma-separated list of names, such as "gpt2,gpt2-medium". Items are
// trimmed of spaces; an empty item is an error; names that repeat are kept once, in the order
// they first appear. A comma that is part of a name (a checkpoint folder's) is written \, and
// a backslash before a comma as \\.
func ParseStringList(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, invalidf("empty list: give at least one name")
	}
	var out []string
	for i, item := range splitUnescaped(s) {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, invalidf("item %d of %q is empty: remove the extra comma", i+1, s)
		}
		if !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out, nil
}

// splitUnescaped splits s at commas not escaped as \, and unescapes \, and \\ in the items.
func splitUnescaped(s string) []string {
	var items []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && (s[i+1] == ',' || s[i+1] == '\\'):
			cur.WriteByte(s[i+1])
			i++
		case s[i] == ',':
			items = append(items, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(items, cur.String())
}

var byteUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// ParseBytes parses a size: a number of bytes ("1073741824") or a number and a unit, in powers
// of 1000 (KB, MB, GB, TB) or of 1024 (KiB, MiB, GiB, TiB), in any case, with an optional space
// ("16GiB", "16 GB", "1.5gib"). A fraction is rounded to the nearest byte. Zero is written
// "0"; any other size must be positive.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "0" {
		return 0, nil
	}
	if strings.HasPrefix(t, "-") {
		return 0, invalidf("%q is negative: give a size such as 16GiB, or 0 for none", s)
	}
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	r, ok := new(big.Rat).SetString(num)
	if num == "" || !ok {
		return 0, invalidf("%q is not a size: write a number and a unit, such as 16GiB, 512MiB or 1.5GB", s)
	}
	mult, ok := byteUnits[strings.ToLower(unit)]
	if !ok {
		return 0, invalidf("%q has unknown unit %q: use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)", s, unit)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if r.Sign() == 0 {
		return 0, invalidf("%q is zero: write 0 for none, or a positive size", s)
	}
	// Round half up: floor((2n + d) / 2d).
	n := new(big.Int).Mul(r.Num(), big.NewInt(2))
	n.Add(n, r.Denom())
	n.Quo(n, new(big.Int).Mul(r.Denom(), big.NewInt(2)))
	if !n.IsInt64() {
		return 0, invalidf("%q is too large", s)
	}
	if n.Sign() == 0 {
		return 0, invalidf("%q is less than half a byte: write 0 for none, or a larger size", s)
	}
	return n.Int64(), nil
}

// ParsePercent parses a percentage ("2%") or a fraction ("0.02") into a fraction, which must
// lie strictly between 0 and 1.
func ParsePercent(s string) (float64, error) {
	t := strings.TrimSpace(s)
	percent := strings.HasSuffix(t, "%")
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, invalidf("%q is not a percentage: write one such as 2%% or a fraction such as 0.02", s)
	}
	hint := ""
	if percent {
		f /= 100
	} else {
		hint = percentHint(f)
	}
	if f <= 0 || f >= 1 {
		return 0, invalidf("%q is outside (0, 1): give a percentage between 0%% and 100%% such as 2%%, or a fraction such as 0.02%s", s, hint)
	}
	return f, nil
}

// sweepFields are the fields of a sweep file, in the order the documentation lists them.

func invalidf(format string, args ...any) error {
	return &engine.InvalidError{Msg: fmt.Sprintf(format, args...)}
}
