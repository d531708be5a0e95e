package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/engine"
)

func TestCopyBandwidthIsMeasuredOnceAndKeptPerMachine(t *testing.T) {
	home := t.TempDir()
	env := app.Env{Getenv: func(string) string { return "" }, Home: home, GOOS: "linux"}
	cache := filepath.Join(env.CacheDir(), "copy-bandwidth.json")
	m := engine.Machine{Chip: "test chip", Cores: 2, OS: "linux", Arch: "amd64", Hostname: "h"}

	measured := env.CopyBandwidth(m)()
	if measured <= 0.1 {
		t.Fatalf("copy bandwidth %v GB/s", measured)
	}
	var kept map[string]struct {
		GBs float64 `json:"gbs"`
	}
	b, err := os.ReadFile(cache)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &kept); err != nil {
		t.Fatal(err)
	}
	key := app.StorageMachine(m).Fingerprint()
	if kept[key].GBs != measured {
		t.Fatalf("cache holds %v, want %v under %s", kept, measured, key)
	}

	// A later process reads what is kept rather than measuring: plant a value no copy gives.
	planted := map[string]map[string]any{key: {"gbs": 123.5, "measured_at": "2026-01-01T00:00:00Z"}}
	b, _ = json.Marshal(planted)
	if err := os.WriteFile(cache, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := env.CopyBandwidth(m)(); got != 123.5 {
		t.Errorf("read %v from the cache, want 123.5", got)
	}
	// Another machine is measured, and kept beside the first.
	other := m
	other.Hostname = "other"
	if got := env.CopyBandwidth(other)(); got <= 0.1 || got == 123.5 {
		t.Errorf("another machine got %v", got)
	}
	// A damaged cache is measured anew.
	if err := os.WriteFile(cache, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := env.CopyBandwidth(m)(); got <= 0.1 || got == 123.5 {
		t.Errorf("after a damaged cache: %v", got)
	}
}
