package grid

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/engine"
)

// seq returns start, start+step, ... up to end.
func seq(start, end, step int) []int {
	var out []int
	for v := start; v <= end; v += step {
		out = append(out, v)
	}
	return out
}

// checkInvalid fails unless err is an *InvalidError containing want.
func checkInvalid(t *testing.T, err error, want string) {
	t.Helper()
	var inv *engine.InvalidError
	if !errors.As(err, &inv) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want an engine.InvalidError containing %q", err, want)
	}
}

func TestParseIntList(t *testing.T) {
	powers := []int{1}
	for len(powers) < 63 {
		powers = append(powers, powers[len(powers)-1]*2)
	}
	tests := []struct {
		in      string
		want    []int
		wantErr string
	}{
		{in: "128", want: []int{128}},
		{in: "0", want: []int{0}},
		{in: "128,512,1024", want: []int{128, 512, 1024}},
		{in: " 128 , 512 ", want: []int{128, 512}},
		{in: "128-2048*2", want: []int{128, 256, 512, 1024, 2048}},
		{in: "100-1000*3", want: []int{100, 300, 900}},
		{in: "1-8+3", want: []int{1, 4, 7}},
		{in: "1-8+1", want: seq(1, 8, 1)},
		{in: "5-5+1", want: []int{5}},
		{in: "1,2,8-32*2", want: []int{1, 2, 8, 16, 32}},
		{in: "4,1-8*2,4,2", want: []int{4, 1, 2, 8}},
		{in: "1-10000+1", want: seq(1, 10000, 1)},
		{in: "1-9223372036854775807*2", want: powers}, // no overflow past the end

		{in: "", wantErr: "empty list"},
		{in: "1,,2", wantErr: `item 2 of "1,,2" is empty: remove the extra comma`},
		{in: "1,", wantErr: `item 2 of "1," is empty`},
		{in: "128-", wantErr: `malformed range "128-": write START-END*FACTOR`},
		{in: "a-b*2", wantErr: `malformed range "a-b*2"`},
		{in: "*2", wantErr: `malformed range "*2"`},
		{in: "512-*2", wantErr: `malformed range "512-*2"`},
		{in: "1-8*2*2", wantErr: `malformed range "1-8*2*2"`},
		{in: "16-64", wantErr: `range "16-64" has no step: write 16-64+1 to count up by one or 16-64*2 to double`},
		{in: "64-16*2", wantErr: `range "64-16*2" ends before it starts (16 < 64): write 16-64*2`},
		{in: "1-8*1", wantErr: `range "1-8*1" multiplies by 1: the factor must be at least 2`},
		{in: "0-8*2", wantErr: `range "0-8*2" starts at 0`},
		{in: "1-8+0", wantErr: `range "1-8+0" adds 0: the step must be at least 1`},
		{in: "8,-5", wantErr: "negative number -5"},
		{in: "1.5", wantErr: `"1.5" is not a whole number`},
		{in: "99999999999999999999", wantErr: "99999999999999999999 is too large"},
		{in: "1-10001+1", wantErr: "more than 10000 values"},
		{in: "1-5000+1,5001-10001+1", wantErr: "more than 10000 values"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseIntList(tt.in)
			if tt.wantErr != "" {
				checkInvalid(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseStringList(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "gpt2", want: []string{"gpt2"}},
		{in: "gpt2, gpt2-medium ,gpt2", want: []string{"gpt2", "gpt2-medium"}},
		{in: "int4-g32,fp16", want: []string{"int4-g32", "fp16"}},
		{in: "", wantErr: "empty list"},
		{in: "  ", wantErr: "empty list"},
		{in: "gpt2,,int4", wantErr: `item 2 of "gpt2,,int4" is empty: remove the extra comma`},
		{in: "gpt2, ", wantErr: `item 2 of "gpt2, " is empty`},
		{in: `./ckpt\,v2,gpt2`, want: []string{"./ckpt,v2", "gpt2"}},
		{in: `C:\\,gpt2`, want: []string{`C:\`, "gpt2"}},
		{in: `a\b`, want: []string{`a\b`}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseStringList(tt.in)
			if tt.wantErr != "" {
				checkInvalid(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{in: "0", want: 0},
		{in: "1073741824", want: 1 << 30},
		{in: "16GiB", want: 16 << 30},
		{in: "16GB", want: 16e9},
		{in: "512MiB", want: 512 << 20},
		{in: "1.5GiB", want: 1610612736},
		{in: "1.1GB", want: 1100000000},
		{in: "16gib", want: 16 << 30},
		{in: "16 gb", want: 16e9},
		{in: "100B", want: 100},
		{in: "1kb", want: 1000},
		{in: "1KiB", want: 1024},
		{in: "0.5KiB", want: 512},
		{in: "2MB", want: 2e6},
		{in: "2TiB", want: 2 << 40},
		{in: "3TB", want: 3e12},
		{in: "1.5", want: 2}, // rounded to the nearest byte

		{in: "", wantErr: `"" is not a size`},
		{in: "GiB", wantErr: `"GiB" is not a size`},
		{in: "1.2.3GB", wantErr: `"1.2.3GB" is not a size`},
		{in: "-1GiB", wantErr: `"-1GiB" is negative`},
		{in: "-5", wantErr: "is negative"},
		{in: "0GiB", wantErr: `"0GiB" is zero: write 0 for none`},
		{in: "0.0", wantErr: "is zero"},
		{in: "0.1B", wantErr: "less than half a byte"},
		{in: "16G", wantErr: `"16G" has unknown unit "G": use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)`},
		{in: "16 gigs", wantErr: `unknown unit "gigs"`},
		{in: "99999999TiB", wantErr: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBytes(tt.in)
			if tt.wantErr != "" {
				checkInvalid(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParsePercent(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{in: "2%", want: 0.02},
		{in: "0.02", want: 0.02},
		{in: " 5 % ", want: 0.05},
		{in: "50%", want: 0.5},
		{in: "0.5%", want: 0.005},
		{in: "0.999", want: 0.999},

		{in: "0%", wantErr: `"0%" is outside (0, 1)`},
		{in: "0", wantErr: "outside (0, 1)"},
		{in: "100%", wantErr: "outside (0, 1)"},
		{in: "1", wantErr: "outside (0, 1)"},
		{in: "-2%", wantErr: "outside (0, 1)"},
		{in: "2", wantErr: `"2" is outside (0, 1): give a percentage between 0% and 100% such as 2%, or a fraction such as 0.02 (did you mean 2%?)`},
		{in: "", wantErr: `"" is not a percentage`},
		{in: "%", wantErr: "is not a percentage"},
		{in: "two", wantErr: "is not a percentage"},
		{in: "NaN", wantErr: "is not a percentage"},
		{in: "Inf%", wantErr: "is not a percentage"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePercent(tt.in)
			if tt.wantErr != "" {
				checkInvalid(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// defaultSpec is what a sweep file gets for the fields it leaves out.
func defaultSpec(models ...string) SweepSpec {
	return SweepSpec{
		Models:     models,
		Precisions: []string{"fp16"},
		Contexts:   []int{128},
		Generates:  []int{32},
		Batches:    []int{1},
		Weights:    "auto",
		Warmup:     1,
		Processes:  1,
		Repeats:    5,
		MinRepeats: 3,
		Timeout:    30 * time.Minute,
	}
}

func testCatalog(t *testing.T) *engine.Catalog {
	t.Helper()
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}
