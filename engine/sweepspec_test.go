package engine

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
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
	var inv *InvalidError
	if !errors.As(err, &inv) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want an InvalidError containing %q", err, want)
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
		Repeats:    5,
		MinRepeats: 3,
		Timeout:    30 * time.Minute,
	}
}

func TestParseSweepFile(t *testing.T) {
	full, err := os.ReadFile("testdata/sweeps/full.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in string
		want     SweepSpec
	}{
		{"documented example", string(full), SweepSpec{
			Models:      []string{"gpt2", "gpt2-medium"},
			Precisions:  []string{"fp16", "int8", "int4"},
			Contexts:    []int{64, 128, 256, 512},
			Generates:   []int{32},
			Batches:     []int{1, 4},
			Weights:     "auto",
			Warmup:      1,
			Repeats:     5,
			MinRepeats:  3,
			TargetCI:    0.02,
			Delay:       5 * time.Second,
			Timeout:     30 * time.Minute,
			MemoryLimit: 16 << 30,
			Seed:        0,
		}},
		{"every field away from its default", `{
			"models": "gpt2, tiny-gpt2",
			"precisions": ["int4-g32", "fp32,int4-g32"],
			"contexts": 256,
			"generate": ["8-32*2", 8, 64],
			"batches": ["1,2", 8, "2"],
			"weights": "random",
			"warmup": 2,
			"repeats": 9,
			"min_repeats": 4,
			"target_ci": 0.05,
			"delay": "1m30s",
			"timeout": "10m",
			"memory_limit": 1073741824,
			"seed": 7
		}`, SweepSpec{
			Models:      []string{"gpt2", "tiny-gpt2"},
			Precisions:  []string{"int4-g32", "fp32"},
			Contexts:    []int{256},
			Generates:   []int{8, 16, 32, 64},
			Batches:     []int{1, 2, 8},
			Weights:     "random",
			Warmup:      2,
			Repeats:     9,
			MinRepeats:  4,
			TargetCI:    0.05,
			Delay:       90 * time.Second,
			Timeout:     10 * time.Minute,
			MemoryLimit: 1 << 30,
			Seed:        7,
		}},
		{"defaults", `{"models": ["gpt2"]}`, defaultSpec("gpt2")},
		{"target CI alone raises the most repetitions to 20", `{"models": ["gpt2"], "target_ci": "2%"}`,
			func() SweepSpec { s := defaultSpec("gpt2"); s.TargetCI, s.Repeats = 0.02, 20; return s }()},
		{"target CI 0 is fixed repetitions", `{"models": ["gpt2"], "target_ci": 0}`, defaultSpec("gpt2")},
		{"memory limit 0 is none", `{"models": ["gpt2"], "memory_limit": "0"}`, defaultSpec("gpt2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSweepFile(strings.NewReader(tt.in), "sweep.json")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// The documented example must stay a sweep that can run.
func TestSweepFileExampleIsValid(t *testing.T) {
	f, err := os.Open("testdata/sweeps/full.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spec, err := ParseSweepFile(f, "full.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Validate(testCatalog(t)); err != nil {
		t.Fatal(err)
	}
	if n := len(spec.Configs()); n != 2*3*4*1*2 {
		t.Errorf("%d configurations, want 48", n)
	}
}

func TestParseSweepFileErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // each error's line, from its start, in order
	}{
		{"empty file", "", []string{`sweep.json:1:1: the file is empty`}},
		{"only white space", "\n  \n", []string{`sweep.json:3:1: the file is empty`}},
		{"not an object", `["gpt2"]`, []string{`sweep.json:1:1: a sweep file is one JSON object {...}, not a list`}},
		{"syntax: missing comma", "{\n  \"models\": [\"gpt2\"]\n  \"repeats\": 3\n}",
			[]string{`sweep.json:3:3: JSON syntax error: invalid character '"' after object key:value pair`}},
		{"syntax: trailing comma", `{"models": ["gpt2"],}`,
			[]string{`sweep.json:1:21: JSON syntax error: invalid character '}' looking for beginning of object key string`}},
		{"syntax: bad literal", "{\n  \"models\": [\"gpt2\"],\n  \"seed\": tru\n}",
			[]string{`sweep.json:3:14: JSON syntax error: invalid character '\n' in literal true (expecting 'e')`}},
		{"syntax: unclosed", "{\n  \"models\": [\"gpt2\"\n\n",
			[]string{`sweep.json:2:20: the file ends inside the sweep object: close every [ with ] and { with }`}},
		{"trailing data", "{\"models\": [\"gpt2\"]}\n{}\n",
			[]string{`sweep.json:2:1: data after the sweep object: a sweep file holds one JSON object; remove what follows its closing }`}},
		{"trailing garbage", `{"models": ["gpt2"]} x`, []string{`sweep.json:1:22: data after the sweep object`}},
		{"missing models", "{\n  \"repeats\": 3\n}",
			[]string{`sweep.json:1:1: missing field "models": name the models to measure, such as "models": ["gpt2"]`}},
		{"unknown field", "{\n  \"models\": [\"gpt2\"],\n  \"batch\": [1, 4]\n}",
			[]string{`sweep.json:3:3: unknown field "batch"; did you mean "batches"?`}},
		{"unknown field, flag name", `{"models": ["gpt2"], "max-repeats": 9}`,
			[]string{`sweep.json:1:22: unknown field "max-repeats"; did you mean "repeats"?`}},
		{"unknown field, no suggestion", `{"models": ["gpt2"], "colour": "red"}`,
			[]string{`sweep.json:1:22: unknown field "colour"; the fields are models, precisions, contexts, generate, batches, weights, warmup, repeats, min_repeats, target_ci, delay, timeout, memory_limit, seed`}},
		{"one name per field", `{"models": ["gpt2"], "generates": [32]}`,
			[]string{`sweep.json:1:22: unknown field "generates"; did you mean "generate"?`}},
		{"duplicate field", `{"models": ["gpt2"], "models": ["gpt2-xl"]}`,
			[]string{`sweep.json:1:22: field "models" appears twice (first at 1:2): keep one`}},
		{"bad range", "{\n  \"models\": [\"gpt2\"],\n  \"precisions\": [\"fp16\"],\n  \"contexts\": \"512-*2\"\n}",
			[]string{`sweep.json:4:15: contexts: malformed range "512-*2": write START-END*FACTOR`}},
		{"bad range in a list", "{\n  \"models\": [\"gpt2\"],\n  \"contexts\": [128, \"16-64\"]\n}",
			[]string{`sweep.json:3:21: contexts: range "16-64" has no step`}},
		{"negative number in a list", `{"models": ["gpt2"], "batches": [1, -4]}`,
			[]string{`sweep.json:1:37: batches: negative number -4`}},
		{"wrong type: string for a number", "{\n  \"models\": [\"gpt2\"],\n  \"warmup\": \"one\"\n}",
			[]string{`sweep.json:3:13: warmup: want a whole number, got a string`}},
		{"wrong type: quoted number", `{"models": ["gpt2"], "repeats": "5"}`,
			[]string{`sweep.json:1:33: repeats: want a number, got the string "5": drop the quotes`}},
		{"wrong type: fraction for a count", `{"models": ["gpt2"], "repeats": 2.5}`,
			[]string{`sweep.json:1:33: repeats: want a whole number, got 2.5`}},
		{"wrong type: object for a list", `{"models": ["gpt2"], "contexts": {"from": 128}}`,
			[]string{`sweep.json:1:34: contexts: want a list such as [128, 512], or a string such as "128-2048*2", got an object`}},
		{"wrong type: number in names", `{"models": ["gpt2", 2]}`,
			[]string{`sweep.json:1:21: models: list items are names in quotes, got a number`}},
		{"wrong type: boolean in numbers", `{"models": ["gpt2"], "generate": [true]}`,
			[]string{`sweep.json:1:35: generate: list items are numbers, or strings such as "128-2048*2", got a boolean`}},
		{"wrong type: null", `{"models": null}`,
			[]string{`sweep.json:1:12: models: want a list of names such as ["gpt2", "gpt2-medium"] or "gpt2,gpt2-medium", got null`}},
		{"wrong type: number for a duration", `{"models": ["gpt2"], "timeout": 30}`,
			[]string{`sweep.json:1:33: timeout: want a duration in quotes, such as "5s", "2m" or "1h30m", got a number`}},
		{"bad duration", `{"models": ["gpt2"], "delay": "5 sec"}`,
			[]string{`sweep.json:1:31: delay: "5 sec" is not a duration`}},
		{"bad size", `{"models": ["gpt2"], "memory_limit": "16G"}`,
			[]string{`sweep.json:1:38: memory_limit: "16G" has unknown unit "G"`}},
		{"bad percentage", `{"models": ["gpt2"], "target_ci": "200%"}`,
			[]string{`sweep.json:1:35: target_ci: "200%" is outside (0, 1)`}},
		{"fraction out of range", `{"models": ["gpt2"], "target_ci": 2}`,
			[]string{`sweep.json:1:35: target_ci: target CI 2 is outside (0, 1): give a fraction such as 0.02 or a percentage such as 2%, or 0 for a fixed number of repetitions (did you mean 2%?)`}},
		{"empty list", `{"models": []}`, []string{`sweep.json:1:12: models: empty list: give at least one name`}},
		{"empty item", `{"models": "gpt2,,gpt2-xl"}`, []string{`sweep.json:1:12: models: item 2 of "gpt2,,gpt2-xl" is empty`}},
		{"values out of range", "{\n  \"models\": [\"gpt2\"],\n  \"contexts\": [0, 128],\n  \"warmup\": -1,\n  \"weights\": \"pretrained\"\n}", []string{
			`sweep.json:3:15: contexts: context 0 is below 1: a prompt is at least 1 token`,
			`sweep.json:4:13: warmup: warmup -1 is negative: use 0 for no warm-up`,
			`sweep.json:5:14: weights: weights "pretrained": choose auto, random or checkpoint`,
		}},
		{"minimum repetitions above the default maximum", `{"models": ["gpt2"], "target_ci": "2%", "repeats": 2}`,
			[]string{`sweep.json:1:52: repeats: minimum repetitions 3 is more than the maximum 2`}},
		{"every problem at once, in file order", "{\n  \"batch\": 4,\n  \"seed\": \"x\",\n  \"delay\": \"-5s\"\n}", []string{
			`sweep.json:1:1: missing field "models"`,
			`sweep.json:2:3: unknown field "batch"; did you mean "batches"?`,
			`sweep.json:3:11: seed: want a whole number, got a string`,
			`sweep.json:4:12: delay: delay -5s is negative: use 0 for no cool-down`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSweepFile(strings.NewReader(tt.in), "sweep.json")
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("err = %v, want an InvalidError", err)
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(tt.want), err)
			}
			for i, want := range tt.want {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("error %d:\n got %s\nwant %s...", i+1, got[i], want)
				}
			}
		})
	}
}

func TestSweepConfigs(t *testing.T) {
	spec := SweepSpec{Weights: "random", Warmup: 2, Repeats: 9, MinRepeats: 4, TargetCI: 0.05,
		Delay: time.Second, Timeout: time.Minute, MemoryLimit: 1 << 30, Seed: 7}
	tests := []struct {
		name string
		edit func(*SweepSpec)
		want []string
	}{
		{"model, then precision, then batch", func(s *SweepSpec) {
			s.Models, s.Precisions, s.Batches = []string{"gpt2", "tiny-gpt2"}, []string{"int4", "fp16"}, []int{4, 1}
			s.Contexts, s.Generates = []int{128}, []int{32}
		}, []string{
			"gpt2 int4 ctx 128 batch 4 gen 32",
			"gpt2 int4 ctx 128 batch 1 gen 32",
			"gpt2 fp16 ctx 128 batch 4 gen 32",
			"gpt2 fp16 ctx 128 batch 1 gen 32",
			"tiny-gpt2 int4 ctx 128 batch 4 gen 32",
			"tiny-gpt2 int4 ctx 128 batch 1 gen 32",
			"tiny-gpt2 fp16 ctx 128 batch 4 gen 32",
			"tiny-gpt2 fp16 ctx 128 batch 1 gen 32",
		}},
		{"batch, then context, then generate", func(s *SweepSpec) {
			s.Models, s.Precisions, s.Batches = []string{"gpt2"}, []string{"fp16"}, []int{1, 8}
			s.Contexts, s.Generates = []int{512, 64}, []int{16, 4}
		}, []string{
			"gpt2 fp16 ctx 512 batch 1 gen 16",
			"gpt2 fp16 ctx 512 batch 1 gen 4",
			"gpt2 fp16 ctx 64 batch 1 gen 16",
			"gpt2 fp16 ctx 64 batch 1 gen 4",
			"gpt2 fp16 ctx 512 batch 8 gen 16",
			"gpt2 fp16 ctx 512 batch 8 gen 4",
			"gpt2 fp16 ctx 64 batch 8 gen 16",
			"gpt2 fp16 ctx 64 batch 8 gen 4",
		}},
		{"an empty list is an empty grid", func(s *SweepSpec) {
			s.Models, s.Precisions, s.Batches = []string{"gpt2"}, []string{"fp16"}, []int{1}
			s.Contexts, s.Generates = []int{128}, nil
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec
			tt.edit(&s)
			cfgs := s.Configs()
			var got []string
			for _, c := range cfgs {
				got = append(got, c.Label())
				want := Config{Model: c.Model, Precision: c.Precision, Context: c.Context, Generate: c.Generate, Batch: c.Batch,
					Weights: "random", Warmup: 2, Repeats: 9, MinRepeats: 4, TargetCI: 0.05, Timeout: time.Minute, MemoryLimit: 1 << 30, Seed: 7}
				if c != want {
					t.Errorf("config %+v, want %+v", c, want)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestSweepValidate(t *testing.T) {
	cat := testCatalog(t)
	base := SweepSpec{Models: []string{"tiny-gpt2"}, Precisions: []string{"fp32"}, Contexts: []int{16}, Generates: []int{4},
		Batches: []int{1}, Weights: "auto", Warmup: 1, Repeats: 5, MinRepeats: 3, Timeout: time.Minute}
	tests := []struct {
		name string
		edit func(*SweepSpec)
		want []string // each error, in order, contains one
	}{
		{"valid", func(*SweepSpec) {}, nil},
		{"exactly at positions", func(s *SweepSpec) { s.Contexts, s.Generates = []int{16, 224}, []int{32} }, nil},
		{"minimum above maximum without a target CI", func(s *SweepSpec) { s.MinRepeats, s.Repeats = 6, 2 }, nil},
		{"empty lists", func(s *SweepSpec) {
			s.Models, s.Precisions, s.Contexts, s.Generates, s.Batches = nil, nil, nil, nil, nil
		}, []string{"no models to measure", "no precisions", "no context values", "no generate values", "no batch values"}},
		{"values below 1, each once", func(s *SweepSpec) {
			s.Contexts, s.Generates, s.Batches = []int{0, 16, 0}, []int{-1, 4, -1}, []int{0, 1}
		}, []string{
			"context 0 is below 1: a prompt is at least 1 token",
			"generate -1 is below 1",
			"batch 0 is below 1",
		}},
		{"every scalar wrong", func(s *SweepSpec) {
			s.Weights, s.Warmup, s.Repeats, s.TargetCI = "pretrained", -1, 0, 1.5
			s.Delay, s.Timeout, s.MemoryLimit, s.Seed = -time.Second, 0, -1, -1
		}, []string{
			`weights "pretrained": choose auto, random or checkpoint`,
			"warmup -1 is negative",
			"repeats 0 is below 1",
			"target CI 1.5 is outside (0, 1)",
			"delay -1s is negative",
			"timeout 0s is not positive",
			"memory limit -1 is negative",
			"seed -1 is negative",
		}},
		{"minimum above maximum with a target CI", func(s *SweepSpec) { s.TargetCI, s.MinRepeats, s.Repeats = 0.02, 6, 5 },
			[]string{"minimum repetitions 6 is more than the maximum 5"}},
		{"catalog problems and positions, each once", func(s *SweepSpec) {
			s.Models = []string{"tiny-gpt2", "gpt5", "gpt5"}
			s.Precisions = []string{"fp32", "int7", "int4", "fp16-g32", "int7"}
			s.Contexts, s.Generates, s.Batches = []int{128, 250, 512}, []int{8, 16}, []int{1, 2}
		}, []string{
			`unknown precision "int7"`,
			`precision "fp16-g32": a group size only applies to quantized precisions`,
			`unknown model "gpt5"`,
			"context + generate is beyond tiny-gpt2's 256 positions for 250+8, 250+16, 512+8 and 512+16; " +
				"the longest context that fits tiny-gpt2 is 248 with generate 8 and 240 with generate 16: " +
				"shorten the contexts or measure tiny-gpt2 in a sweep of its own",
		}},
		{"positions, other scalars wrong", func(s *SweepSpec) {
			s.Weights, s.Timeout, s.Contexts = "pretrained", 0, []int{300}
		}, []string{
			`weights "pretrained"`,
			"timeout 0s is not positive",
			"context + generate is beyond tiny-gpt2's 256 positions for 300+4; the longest context that fits tiny-gpt2 is 252 with generate 4",
		}},
		{"positions per model", func(s *SweepSpec) {
			s.Models, s.Contexts, s.Generates = []string{"tiny-llama", "tiny-gpt2", "gpt2"}, []int{1, 8}, []int{100, 300, 600}
		}, []string{
			"beyond tiny-llama's 512 positions for 1+600 and 8+600; the longest context that fits tiny-llama is none with generate 600",
			"beyond tiny-gpt2's 256 positions for 1+300, 1+600, 8+300 and 8+600; the longest context that fits tiny-gpt2 is none with generate 300 and none with generate 600",
		}},
		{"many pairs are summarised", func(s *SweepSpec) { s.Contexts = seq(253, 260, 1) },
			[]string{"for 253+4, 254+4, 255+4, 256+4 and 4 more; the longest context that fits tiny-gpt2 is 252 with generate 4"}},
		{"grid too large", func(s *SweepSpec) { s.Contexts, s.Generates = seq(1, 10000, 1), seq(1, 11, 1) },
			[]string{"the grid has 110000 configurations (1 models × 1 precisions × 1 batches × 10000 contexts × 11 generate), more than the 100000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			tt.edit(&s)
			err := s.Validate(cat)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("err = %v, want an InvalidError", err)
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(tt.want), err)
			}
			for i, want := range tt.want {
				if !strings.Contains(got[i], want) {
					t.Errorf("error %d:\n got %s\nwant it to contain %s", i+1, got[i], want)
				}
			}
		})
	}
}
