package grid

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/engine"
)

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
			Processes:   1,
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
			"processes": 1,
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
			Processes:   1,
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
			[]string{`sweep.json:1:22: unknown field "colour"; the fields are models, precisions, contexts, generate, batches, weights, warmup, repeats, processes, min_repeats, target_ci, delay, timeout, memory_limit, seed`}},
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
			var inv *engine.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("err = %v, want an engine.InvalidError", err)
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
