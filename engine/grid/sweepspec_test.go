package grid

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/engine"
)

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
				want := engine.Config{Model: c.Model, Precision: c.Precision, Context: c.Context, Generate: c.Generate, Batch: c.Batch,
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
			var inv *engine.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("err = %v, want an engine.InvalidError", err)
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

func TestSweepProcesses(t *testing.T) {
	cat := testCatalog(t)
	base := defaultSpec("tiny-gpt2")
	tests := []struct {
		name      string
		processes int
		targetCI  float64
		wantErr   string
	}{
		{"three processes", 3, 0, ""},
		{"zero is one", 0, 0, ""},
		{"negative", -1, 0, "processes -1 is negative"},
		{"more than repeats", 6, 0, "processes 6 is more than repeats 5"},
		{"with adaptive repetitions", 2, 0.02, "processes and target_ci cannot be combined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			s.Processes, s.TargetCI = tt.processes, tt.targetCI
			if tt.targetCI > 0 {
				s.Repeats = 20
			}
			err := s.Validate(cat)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := s.Configs()[0].Processes; got != tt.processes {
					t.Errorf("configuration has %d processes, want %d", got, tt.processes)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
