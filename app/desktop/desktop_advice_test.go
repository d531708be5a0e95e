package desktop

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/app/internal/apptest"
)

// The Recommendations window reads the same fit as `inferbench recommend`.
func TestDesktopRecommendationsAndCharts(t *testing.T) {
	env, path, _, _ := apptest.Seeded(t)
	getenv := env.Getenv
	env.Getenv = func(k string) string {
		if k == "INFERBENCH_DB" {
			return path
		}
		return getenv(k)
	}
	d, err := New(context.Background(), env, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p := d.Preferences()
	p.Models, p.Precisions = []string{"gpt2", "gpt2-medium", "gpt2-large"}, []string{"fp32", "fp16"}
	p.MemoryBudgetBytes = 16 << 30
	if err := d.SavePreferences(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	view, err := d.Recommendations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Rows) == 0 || view.EmptyMessage != "" {
		t.Fatalf("no recommendations from a fitted sweep: %+v", view)
	}
	if !strings.Contains(strings.Join(view.Rows[0], " "), "gpt2") {
		t.Errorf("top row %v", view.Rows[0])
	}
	pngs, err := d.ChartPaths(context.Background())
	if err != nil || len(pngs) == 0 {
		t.Fatalf("charts: %v, %v", pngs, err)
	}
	for _, png := range pngs {
		if st, err := os.Stat(png); err != nil || st.Size() < 10<<10 || filepath.Ext(png) != ".png" {
			t.Errorf("chart %s: %v", png, err)
		}
	}
}
