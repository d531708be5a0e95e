package engine

import (
	"fmt"
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	c := func(model, prec string, ctx, batch int) Config {
		return Config{Model: model, Precision: prec, Weights: "auto", Context: ctx, Batch: batch, Generate: 8}
	}
	groups := Plan([]Config{
		c("gpt2", "fp16", 1024, 1), c("gpt2", "int4", 128, 1), c("gpt2", "fp16", 128, 4),
		c("gpt2", "fp16", 128, 1), c("tiny", "fp16", 8, 1), c("gpt2", "int4", 64, 1),
	})
	want := []struct {
		model, prec string
		order       [][2]int // context, batch
	}{
		{"gpt2", "fp16", [][2]int{{128, 1}, {1024, 1}, {128, 4}}},
		{"gpt2", "int4", [][2]int{{64, 1}, {128, 1}}},
		{"tiny", "fp16", [][2]int{{8, 1}}},
	}
	if len(groups) != len(want) {
		t.Fatalf("%d groups, want %d: %+v", len(groups), len(want), groups)
	}
	for i, w := range want {
		g := groups[i]
		if g.Model != w.model || g.Precision != w.prec || len(g.Configs) != len(w.order) {
			t.Fatalf("group %d = %+v, want %s %s with %d configs", i, g, w.model, w.prec, len(w.order))
		}
		for j, o := range w.order {
			if g.Configs[j].Context != o[0] || g.Configs[j].Batch != o[1] {
				t.Errorf("group %d config %d = ctx %d batch %d, want ctx %d batch %d", i, j, g.Configs[j].Context, g.Configs[j].Batch, o[0], o[1])
			}
		}
	}
}

func TestNeedsMore(t *testing.T) {
	a := Config{Model: "gpt2", Precision: "fp16", Weights: "auto", Context: 512, Batch: 2, Generate: 32}
	tests := []struct {
		name string
		edit func(*Config)
		want bool
	}{
		{"same configuration", func(*Config) {}, false},
		{"longer context", func(c *Config) { c.Context = 1024 }, true},
		{"larger batch", func(c *Config) { c.Batch = 4 }, true},
		{"more tokens", func(c *Config) { c.Generate = 64 }, true},
		{"longer context, smaller batch", func(c *Config) { c.Context = 1024; c.Batch = 1 }, false},
		{"shorter context", func(c *Config) { c.Context = 128 }, false},
		{"another precision", func(c *Config) { c.Precision = "int4"; c.Context = 1024 }, false},
		{"another model", func(c *Config) { c.Model = "gpt2-xl"; c.Context = 1024 }, false},
		{"another budget", func(c *Config) { c.MemoryLimit = 1 << 30; c.Context = 1024 }, false},
	}
	for _, tt := range tests {
		b := a
		tt.edit(&b)
		if got := NeedsMore(a, b); got != tt.want {
			t.Errorf("%s: NeedsMore = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTeachingOrder(t *testing.T) {
	var cfgs []Config
	for _, m := range []string{"a", "b"} {
		for _, ctx := range []int{1, 2, 3, 4, 5} {
			cfgs = append(cfgs, Config{Model: m, Precision: "fp16", Context: ctx, Batch: 1})
		}
	}
	got := TeachingOrder(cfgs)
	var order []string
	for _, c := range got {
		order = append(order, fmt.Sprintf("%s%d", c.Model, c.Context))
	}
	want := "a1 b1 a5 b5 a3 b3 a2 b2 a4 b4"
	if s := strings.Join(order, " "); s != want {
		t.Fatalf("order %s, want %s", s, want)
	}
}
