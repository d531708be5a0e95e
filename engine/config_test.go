package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	resources "github.com/inferbench/inferbench/Resources"
)

func TestValidate(t *testing.T) {
	cat := testCatalog(t)
	base := Config{Model: "tiny-gpt2", Precision: "fp32", Context: 16, Generate: 4}.Defaults()
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{"valid", func(*Config) {}, ""},
		{"group size suffix", func(c *Config) { c.Precision = "int4-g32" }, ""},
		{"unknown precision", func(c *Config) { c.Precision = "int7" }, `unknown precision "int7"`},
		{"group size on a float", func(c *Config) { c.Precision = "fp16-g32" }, "only applies to quantized"},
		{"unknown model", func(c *Config) { c.Model = "gpt5" }, `unknown model "gpt5"`},
		{"missing folder", func(c *Config) { c.Model = "./no/such/model" }, "has no readable config.json"},
		{"context beyond positions", func(c *Config) { c.Context = 250; c.Generate = 10 }, "beyond tiny-gpt2's 256 positions"},
		{"exactly at positions", func(c *Config) { c.Context = 246; c.Generate = 10 }, ""},
		{"negative context", func(c *Config) { c.Context = -1 }, "--context must be at least 1"},
		{"zero generate", func(c *Config) { c.Generate = 0 }, "--generate must be at least 1"},
		{"zero batch", func(c *Config) { c.Batch = 0 }, "--batch must be at least 1"},
		{"negative warmup", func(c *Config) { c.Warmup = -1 }, "--warmup must be at least 0"},
		{"bad weights", func(c *Config) { c.Weights = "pretrained" }, "choose auto, random or checkpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.edit(&cfg)
			_, err := cfg.Validate(cat)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var inv *InvalidError
			if !errors.As(err, &inv) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want an InvalidError containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestResolveModel(t *testing.T) {
	cat := testCatalog(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"llama","max_position_embeddings":4096}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		arg, source string
		positions   int
	}{
		{"gpt2-xl", "catalog", 1024},
		{"qwen2.5-0.5b", "catalog", 32768},
		{dir, "path", 4096},
		{"openai-community/gpt2", "hf", 0},
	}
	for _, tt := range tests {
		ref, err := cat.ResolveModel(tt.arg)
		if err != nil {
			t.Fatalf("%s: %v", tt.arg, err)
		}
		if ref.Source != tt.source || ref.MaxPositions != tt.positions {
			t.Errorf("%s: got %+v, want source %s positions %d", tt.arg, ref, tt.source, tt.positions)
		}
	}
}

func TestCatalogIsComplete(t *testing.T) {
	cat := testCatalog(t)
	for _, want := range []string{"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "llama-3.2-1b", "qwen2.5-0.5b", "tiny-gpt2", "tiny-llama"} {
		if _, ok := cat.Model(want); !ok {
			t.Errorf("catalog lacks %s", want)
		}
	}
	for _, want := range []string{"fp32", "fp16", "bf16", "int8", "int6", "int5", "int4", "int3", "int2", "mxfp8", "mxfp4", "nvfp4"} {
		if _, err := cat.Precision(want); err != nil {
			t.Errorf("catalog lacks precision %s: %v", want, err)
		}
	}
	if p, _ := cat.Precision("int4"); p.GroupSize != 64 || p.Bits != 4 || p.Mode != "affine" {
		t.Errorf("int4 = %+v, want affine 4-bit group 64", p)
	}
}

// A checkpoint's positions are read with the keys in the worker's order, so the two sides never
// disagree on a config that has several.
func TestMaxPositionsKeyOrder(t *testing.T) {
	tests := []struct {
		cfg  map[string]any
		want int
	}{
		{map[string]any{"n_positions": 1024.0, "max_position_embeddings": 4096.0}, 1024},
		{map[string]any{"n_ctx": 2048.0, "max_position_embeddings": 4096.0}, 2048},
		{map[string]any{"max_position_embeddings": 4096.0, "max_seq_len": 512.0}, 4096},
		{map[string]any{"text_config": map[string]any{"max_position_embeddings": 8192.0}}, 8192},
		{map[string]any{"model_type": "llama"}, 0},
	}
	for _, tt := range tests {
		if got := maxPositions(tt.cfg); got != tt.want {
			t.Errorf("maxPositions(%v) = %d, want %d", tt.cfg, got, tt.want)
		}
	}
}

// PrefillChunk is the worker's own chunk: the memory estimate that refuses a configuration
// before it runs depends on it.
func TestPrefillChunkIsTheWorkers(t *testing.T) {
	b, err := fs.ReadFile(resources.Worker(), "inferbench_worker/measure.py")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("\nPREFILL_STEP = %d\n", PrefillChunk)
	if !strings.Contains(string(b), want) {
		t.Fatalf("measure.py does not define %q", strings.TrimSpace(want))
	}
}
