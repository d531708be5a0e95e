package desktop

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app/agent"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/sensors"
)

const gib = int64(1) << 30

func testCatalog(t *testing.T) *engine.Catalog {
	t.Helper()
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestPreferencesDefaultsAreValid(t *testing.T) {
	cat := testCatalog(t)
	for _, mem := range []int64{0, 8 * gib, 128 * gib} {
		p := DefaultPreferences(mem)
		if err := p.Validate(cat, mem); err != nil {
			t.Errorf("DefaultPreferences(%d) is invalid: %v", mem, err)
		}
		if p.MemoryBudgetBytes <= 0 || (mem > 0 && p.MemoryBudgetBytes > mem) {
			t.Errorf("DefaultPreferences(%d).MemoryBudgetBytes = %d", mem, p.MemoryBudgetBytes)
		}
	}
	if got, want := DefaultPreferences(16*gib).Policy(), agent.DefaultPolicy(); got != want {
		t.Errorf("default preferences' policy %+v, want the default policy %+v", got, want)
	}
}

func TestPreferencesValidate(t *testing.T) {
	cat := testCatalog(t)
	const mem = 16 * gib
	tests := []struct {
		name   string
		change func(*Preferences)
		wants  []string // each must appear in the error; none means valid
	}{
		{"defaults", func(*Preferences) {}, nil},
		{"unknown model", func(p *Preferences) { p.Models = []string{"gpt2", "gpt5"} }, []string{`unknown model "gpt5"`}},
		{"unknown precision", func(p *Preferences) { p.Precisions = []string{"int7"} }, []string{`unknown precision "int7"`}},
		{"group size suffix", func(p *Preferences) { p.Precisions = []string{"int4-g32"} }, nil},
		{"no models", func(p *Preferences) { p.Models = nil }, []string{"at least one model"}},
		{"no precisions", func(p *Preferences) { p.Precisions = []string{} }, []string{"at least one precision"}},
		{"duplicates", func(p *Preferences) { p.Models = []string{"gpt2", "gpt2"}; p.Precisions = []string{"fp16", "fp16"} },
			[]string{`model "gpt2" is listed twice`, `precision "fp16" is listed twice`}},
		{"small test model", func(p *Preferences) { p.Models = []string{"tiny-gpt2"} }, nil},
		{"negative idle", func(p *Preferences) { p.IdleThreshold = -time.Second }, []string{"must not be negative"}},
		{"idle too long", func(p *Preferences) { p.IdleThreshold = 25 * time.Hour }, []string{"runs would never start"}},
		{"unknown thermal", func(p *Preferences) { p.MaxThermal = "warm" }, []string{`thermal limit "warm"`}},
		{"zero latency", func(p *Preferences) { p.LatencyThresholdMs = 0 }, []string{"latency threshold"}},
		{"huge latency", func(p *Preferences) { p.LatencyThresholdMs = 1e6 }, []string{"latency threshold"}},
		{"zero budget", func(p *Preferences) { p.MemoryBudgetBytes = 0 }, []string{"memory budget must be more than 0"}},
		{"budget four times memory", func(p *Preferences) { p.MemoryBudgetBytes = 4 * mem }, nil},
		{"budget beyond four times memory", func(p *Preferences) { p.MemoryBudgetBytes = 5 * mem },
			[]string{"more than four times this machine's 17.2 GB"}},
		{"everything wrong at once", func(p *Preferences) {
			*p = Preferences{Models: []string{"nope"}, Precisions: []string{"int7"}, MaxThermal: "warm", MemoryBudgetBytes: -1}
		}, []string{`unknown model "nope"`, `unknown precision "int7"`, `thermal limit "warm"`, "latency threshold", "memory budget"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPreferences(mem)
			tt.change(&p)
			err := p.Validate(cat, mem)
			if len(tt.wants) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate: nil, want an error with %q", tt.wants)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if n := len(strings.Split(err.Error(), "\n")); n != len(tt.wants) {
				t.Errorf("error has %d lines, want one per problem (%d):\n%v", n, len(tt.wants), err)
			}
		})
	}
}

func TestPreferencesPolicy(t *testing.T) {
	p := DefaultPreferences(8 * gib)
	p.IdleThreshold, p.RequireAC, p.MaxThermal = time.Minute, false, sensors.ThermalSerious
	pol := p.Policy()
	if pol.IdleThreshold != time.Minute || pol.RequireAC || pol.MaxThermal != sensors.ThermalSerious {
		t.Errorf("Policy() = %+v", pol)
	}
	if pol.CooldownMax != agent.DefaultPolicy().CooldownMax {
		t.Errorf("Policy() changed the cool-down to %s", pol.CooldownMax)
	}
}

func TestPreferencesQueueConfigs(t *testing.T) {
	cat := testCatalog(t)
	p := DefaultPreferences(16 * gib)
	p.Models = []string{"gpt2", "tiny-gpt2", "not-a-model"}
	p.Precisions = []string{"fp16", "int4"}
	cfgs := p.QueueConfigs(cat)
	count := map[string]int{}
	var gpt2Contexts []int
	for _, c := range cfgs {
		if c.Model == "gpt2" && c.Precision == "fp16" && c.Batch == 1 {
			gpt2Contexts = append(gpt2Contexts, c.Context)
		}
		if _, err := c.Validate(cat); err != nil {
			t.Errorf("%s: %v", c.Label(), err)
		}
		count[c.Model]++
	}
	// gpt2: 2 precisions × 2 batches × contexts 128, 512, 992; tiny-gpt2 (256 positions): 128, 224.
	if want := map[string]int{"gpt2": 12, "tiny-gpt2": 8}; !reflect.DeepEqual(count, want) {
		t.Errorf("configurations per model %v, want %v", count, want)
	}
	if want := []int{128, 512, 992}; !reflect.DeepEqual(gpt2Contexts, want) {
		t.Errorf("gpt2 contexts %v, want %v", gpt2Contexts, want)
	}
	items := agent.QueueItems(cat, cfgs)
	if len(items) != len(cfgs) {
		t.Errorf("QueueItems: %d items for %d configurations", len(items), len(cfgs))
	}
}

func TestPreferencesRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Inferbench", "preferences.json") // the folder does not exist yet
	p := Preferences{IdleThreshold: 90 * time.Second, RequireAC: false, MaxThermal: sensors.ThermalSerious,
		Models: []string{"gpt2", "qwen2.5-0.5b"}, Precisions: []string{"bf16", "int4-g32"}, MemoryBudgetBytes: 12 * gib,
		LatencyThresholdMs: 75.5, LaunchAtLogin: true}
	if err := SavePreferences(path, p); err != nil {
		t.Fatal(err)
	}
	got, err := LoadPreferences(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, p)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"idle_threshold": "1m30s"`) {
		t.Errorf("durations are not written as text:\n%s", b)
	}
	// Saving again replaces the file and leaves no temporary file behind.
	p.Models = []string{"gpt2"}
	if err := SavePreferences(path, p); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d files, want only preferences.json", len(entries))
	}
	if got, _ := LoadPreferences(path); !reflect.DeepEqual(got.Models, []string{"gpt2"}) {
		t.Errorf("second save not read back: %v", got.Models)
	}
}

func TestPreferencesLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadPreferences(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	tests := []struct{ name, content, want string }{
		{"truncated", `{"version": 1, "models": ["gpt2"`, "is not valid"},
		{"not json", "idle = 5m\n", "is not valid"},
		{"wrong type", `{"version": 1, "models": "gpt2"}`, "is not valid"},
		{"bad duration", `{"version": 1, "idle_threshold": "five minutes"}`, `idle_threshold "five minutes"`},
		{"other version", `{"version": 9, "idle_threshold": "5m"}`, "version 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".json")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := LoadPreferences(path)
			if err == nil {
				t.Fatalf("LoadPreferences: nil error, got %+v", p)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q should name %s and say %q", err, path, tt.want)
			}
			if !reflect.DeepEqual(p, Preferences{}) {
				t.Errorf("got preferences %+v with the error; defaults must not be substituted", p)
			}
		})
	}
}

func TestPreferencesForm(t *testing.T) {
	p := DefaultPreferences(16 * gib)
	p.LaunchAtLogin, p.LatencyThresholdMs = true, 87.5
	f := p.Form()
	if f.IdleThreshold != "5m" || f.MemoryBudget != "12GiB" || f.Models != "gpt2, gpt2-medium" {
		t.Errorf("Form() = %+v", f)
	}
	got, err := f.Preferences()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("form round trip\n got %+v\nwant %+v", got, p)
	}

	f.IdleThreshold, f.MemoryBudget = "2.5", "1.5 GB"
	if got, err := f.Preferences(); err != nil || got.IdleThreshold != 150*time.Second || got.MemoryBudgetBytes != 1_500_000_000 {
		t.Errorf("minutes and decimal units: %+v, %v", got, err)
	}

	bad := PreferencesForm{IdleThreshold: "soon", Models: "gpt2,,gpt2-medium", Precisions: "", MemoryBudget: "lots", LatencyMs: "fast"}
	_, err = bad.Preferences()
	for _, w := range []string{`idle threshold "soon"`, "models: item 2", "precisions: empty list", `memory budget: "lots"`, `latency threshold "fast"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
}
