package desktop

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/agent"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/grid"
	"github.com/inferbench/inferbench/engine/sensors"
)

// Preferences are what the user sets in the menu-bar app: when background runs may happen, what
// they explore, and what the recommendations must fit.
type Preferences struct {
	IdleThreshold time.Duration
	RequireAC     bool
	MaxThermal    sensors.Thermal
	Models        []string // catalog names, checkpoint folders or cached Hugging Face ids, as on the command line
	Precisions    []string
	// MemoryBudgetBytes bounds the peak memory of a recommended setting. It is the advisor's
	// constraint, not a limit on runs, so changing it queues nothing again.
	MemoryBudgetBytes  int64
	LatencyThresholdMs float64 // decode ms/token under which a setting counts as interactive
	LaunchAtLogin      bool
}

// The grid the menu-bar app explores for each model and precision. Contexts beyond a model's
// positions are left out; generate and repetitions are the command line's defaults.
var (
	prefContexts = []int{128, 512, 1024}
	prefBatches  = []int{1, 4}
)

const (
	prefGenerate = 32
	prefWarmup   = 1
	prefRepeats  = 5
	// maxIdleThreshold bounds the idle threshold: a longer one would never let a run start.
	maxIdleThreshold = 24 * time.Hour
	// maxLatencyThresholdMs bounds the interactive threshold at a minute per token.
	maxLatencyThresholdMs = 60000
	// preferencesVersion is the layout of preferences.json.
	preferencesVersion = 1
)

// DefaultPreferences are a new user's preferences on a machine with machineMemory bytes (0 when
// unknown): the default policy, two small GPT-2 sizes at three precisions, and a memory budget of
// three quarters of the machine, about what Metal lets one process wire.
func DefaultPreferences(machineMemory int64) Preferences {
	pol := agent.DefaultPolicy()
	budget := machineMemory / 4 * 3
	if budget <= 0 {
		budget = 8 << 30
	}
	return Preferences{
		IdleThreshold:      pol.IdleThreshold,
		RequireAC:          pol.RequireAC,
		MaxThermal:         pol.MaxThermal,
		Models:             []string{"gpt2", "gpt2-medium"},
		Precisions:         []string{"fp16", "int8", "int4"},
		MemoryBudgetBytes:  budget,
		LatencyThresholdMs: advisor.DefaultThresholdMs,
	}
}

// PreferencesPath is where the menu-bar app keeps its preferences.
func PreferencesPath(e app.Env) string { return filepath.Join(e.DataDir(), "preferences.json") }

// Policy is the controller's policy under these preferences; what they do not set keeps its default.
func (p Preferences) Policy() agent.Policy {
	pol := agent.DefaultPolicy()
	pol.IdleThreshold, pol.RequireAC, pol.MaxThermal = p.IdleThreshold, p.RequireAC, p.MaxThermal
	return pol
}

// Validate reports every problem at once, as an errors.Join, or nil. Models and precisions are
// checked as the command line checks them; machineMemory (0 when unknown) bounds the memory budget.
func (p Preferences) Validate(cat *engine.Catalog, machineMemory int64) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if len(p.Models) == 0 {
		add("choose at least one model to explore")
	}
	for i, m := range p.Models {
		if slices.Contains(p.Models[:i], m) {
			add("model %q is listed twice", m)
			continue
		}
		ref, err := cat.ResolveModel(m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(contextsFor(ref)) == 0 {
			add("model %q has only %d positions: too few for a prompt and %d new tokens",
				m, ref.MaxPositions, prefGenerate)
		}
	}
	if len(p.Precisions) == 0 {
		add("choose at least one precision to explore")
	}
	for i, name := range p.Precisions {
		if slices.Contains(p.Precisions[:i], name) {
			add("precision %q is listed twice", name)
			continue
		}
		if _, err := cat.Precision(name); err != nil {
			errs = append(errs, err)
		}
	}
	if err := p.Policy().Validate(); err != nil {
		errs = append(errs, err)
	}
	if p.IdleThreshold > maxIdleThreshold {
		add("idle threshold %s is more than %s: runs would never start", p.IdleThreshold, maxIdleThreshold)
	}
	if !(p.LatencyThresholdMs > 0) || p.LatencyThresholdMs > maxLatencyThresholdMs || math.IsInf(p.LatencyThresholdMs, 0) {
		add("latency threshold must be more than 0 and at most %d ms per token, got %v", maxLatencyThresholdMs, p.LatencyThresholdMs)
	}
	switch {
	case p.MemoryBudgetBytes <= 0:
		add("memory budget must be more than 0 bytes, got %d", p.MemoryBudgetBytes)
	case machineMemory > 0 && p.MemoryBudgetBytes/4 > machineMemory:
		add("memory budget %s is more than four times this machine's %s of memory",
			report.HumanBytes(p.MemoryBudgetBytes), report.HumanBytes(machineMemory))
	}
	return errors.Join(errs...)
}

// QueueConfigs is the grid the preferences ask to explore: every model × precision × batch 1
// and 4 × context 128, 512 and 1024, clipped to the model's positions. Models the catalog cannot
// resolve are left out; Validate reports them.
func (p Preferences) QueueConfigs(cat *engine.Catalog) []engine.Config {
	var cfgs []engine.Config
	for _, m := range p.Models {
		ref, err := cat.ResolveModel(m)
		if err != nil {
			continue
		}
		spec := grid.SweepSpec{Models: []string{m}, Precisions: p.Precisions, Contexts: contextsFor(ref),
			Generates: []int{prefGenerate}, Batches: prefBatches, Weights: "auto", Warmup: prefWarmup,
			Repeats: prefRepeats, Timeout: engine.DefaultTimeout}
		cfgs = append(cfgs, spec.Configs()...)
	}
	return cfgs
}

// contextsFor is prefContexts clipped to the model's positions: a context that leaves no room
// for the new tokens becomes the longest that does, so the grid still reaches the model's limit
// (992 for GPT-2's 1024). All of them when the positions are unknown until the worker loads the model.
func contextsFor(ref engine.ModelRef) []int {
	if ref.MaxPositions <= 0 {
		return prefContexts
	}
	longest := ref.MaxPositions - prefGenerate
	var cs []int
	for _, c := range prefContexts {
		c = min(c, longest)
		if c >= 1 && !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	return cs
}

// preferencesFile is the JSON layout: durations as text ("5m0s") so the file reads and edits by hand.
type preferencesFile struct {
	Version            int      `json:"version"`
	IdleThreshold      string   `json:"idle_threshold"`
	RequireAC          bool     `json:"require_ac"`
	MaxThermal         string   `json:"max_thermal"`
	Models             []string `json:"models"`
	Precisions         []string `json:"precisions"`
	MemoryBudgetBytes  int64    `json:"memory_budget_bytes"`
	LatencyThresholdMs float64  `json:"latency_threshold_ms"`
	LaunchAtLogin      bool     `json:"launch_at_login"`
}

// LoadPreferences reads preferences saved by SavePreferences. A missing file is an error that
// wraps fs.ErrNotExist, so the caller chooses the defaults; a file that cannot be read as
// preferences is an error naming it, never replaced by defaults behind the user's back.
func LoadPreferences(path string) (Preferences, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Preferences{}, fmt.Errorf("preferences: %w", err)
	}
	var f preferencesFile
	if err := json.Unmarshal(b, &f); err != nil {
		return Preferences{}, fmt.Errorf("preferences file %s is not valid (%v): fix it or delete it to start from the defaults", path, err)
	}
	if f.Version != preferencesVersion {
		return Preferences{}, fmt.Errorf("preferences file %s has version %d; this Inferbench reads version %d", path, f.Version, preferencesVersion)
	}
	idle, err := time.ParseDuration(f.IdleThreshold)
	if err != nil {
		return Preferences{}, fmt.Errorf("preferences file %s: idle_threshold %q is not a duration such as 5m: fix it or delete the file", path, f.IdleThreshold)
	}
	return Preferences{IdleThreshold: idle, RequireAC: f.RequireAC, MaxThermal: sensors.Thermal(f.MaxThermal),
		Models: f.Models, Precisions: f.Precisions, MemoryBudgetBytes: f.MemoryBudgetBytes,
		LatencyThresholdMs: f.LatencyThresholdMs, LaunchAtLogin: f.LaunchAtLogin}, nil
}

// SavePreferences writes p to path, creating its folder, and replaces the old file only once
// the new one is complete.
func SavePreferences(path string, p Preferences) error {
	b, err := json.MarshalIndent(preferencesFile{Version: preferencesVersion, IdleThreshold: p.IdleThreshold.String(),
		RequireAC: p.RequireAC, MaxThermal: string(p.MaxThermal), Models: p.Models, Precisions: p.Precisions,
		MemoryBudgetBytes: p.MemoryBudgetBytes, LatencyThresholdMs: p.LatencyThresholdMs, LaunchAtLogin: p.LaunchAtLogin}, "", "  ")
	if err != nil {
		return err
	}
	return app.WriteFileAtomic(path, append(b, '\n'))
}

// PreferencesForm is the preferences as the window's controls hold them: text for the fields,
// so parsing and its error messages live here rather than in the Cocoa code.
type PreferencesForm struct {
	IdleThreshold string // a duration ("5m") or a number of minutes
	RequireAC     bool
	MaxThermal    string
	Models        string // comma-separated
	Precisions    string
	MemoryBudget  string // "12GiB", "16GB" or bytes
	LatencyMs     string
	LaunchAtLogin bool
}

// ThermalChoices are the thermal limits the window offers, coolest first.
var ThermalChoices = []string{string(sensors.ThermalNominal), string(sensors.ThermalFair),
	string(sensors.ThermalSerious), string(sensors.ThermalCritical)}

// Form fills the window's controls.
func (p Preferences) Form() PreferencesForm {
	budget := strconv.FormatInt(p.MemoryBudgetBytes, 10)
	if p.MemoryBudgetBytes > 0 && p.MemoryBudgetBytes%(1<<30) == 0 {
		budget = strconv.FormatInt(p.MemoryBudgetBytes>>30, 10) + "GiB"
	} else if p.MemoryBudgetBytes > 0 {
		budget = strconv.FormatFloat(float64(p.MemoryBudgetBytes)/(1<<30), 'f', 1, 64) + "GiB"
	}
	return PreferencesForm{IdleThreshold: shortDuration(p.IdleThreshold), RequireAC: p.RequireAC,
		MaxThermal: string(p.MaxThermal), Models: strings.Join(p.Models, ", "), Precisions: strings.Join(p.Precisions, ", "),
		MemoryBudget: budget, LatencyMs: strconv.FormatFloat(p.LatencyThresholdMs, 'g', -1, 64), LaunchAtLogin: p.LaunchAtLogin}
}

// shortDuration drops Go's zero units: "5m" rather than "5m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Preferences parses the form; every field that does not parse is reported at once. What parses
// still needs Validate.
func (f PreferencesForm) Preferences() (Preferences, error) {
	p := Preferences{RequireAC: f.RequireAC, MaxThermal: sensors.Thermal(strings.TrimSpace(f.MaxThermal)), LaunchAtLogin: f.LaunchAtLogin}
	var errs []error
	idle := strings.TrimSpace(f.IdleThreshold)
	if mins, err := strconv.ParseFloat(idle, 64); err == nil {
		p.IdleThreshold = time.Duration(mins * float64(time.Minute))
	} else if d, err := time.ParseDuration(idle); err == nil {
		p.IdleThreshold = d
	} else {
		errs = append(errs, fmt.Errorf("idle threshold %q: give minutes (5) or a duration (90s, 5m, 1h)", f.IdleThreshold))
	}
	var err error
	if p.Models, err = grid.ParseStringList(f.Models); err != nil {
		errs = append(errs, fmt.Errorf("models: %w", err))
	}
	if p.Precisions, err = grid.ParseStringList(f.Precisions); err != nil {
		errs = append(errs, fmt.Errorf("precisions: %w", err))
	}
	if p.MemoryBudgetBytes, err = grid.ParseBytes(strings.TrimSpace(f.MemoryBudget)); err != nil {
		errs = append(errs, fmt.Errorf("memory budget: %w", err))
	}
	if p.LatencyThresholdMs, err = strconv.ParseFloat(strings.TrimSpace(f.LatencyMs), 64); err != nil {
		errs = append(errs, fmt.Errorf("latency threshold %q: give a number of milliseconds per token", f.LatencyMs))
	}
	return p, errors.Join(errs...)
}
