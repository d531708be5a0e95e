package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/inferbench/inferbench/engine/power"
	"github.com/inferbench/inferbench/engine/sensors"
	"github.com/inferbench/inferbench/storage"
)

// Env is what the app reads from its surroundings. Tests build one by hand; main builds it from
// the process, so no code below reads globals.
type Env struct {
	Getenv  func(string) string
	Home    string
	Exe     string // path of the running binary
	WorkDir string
	GOOS    string
	// Sensors reads idle time, power and thermal state; nil reads nothing (all unknown).
	Sensors sensors.Source
	// Meter opens the meter of energy and clocks that runs are measured with; nil meters
	// nothing (every run's power_source_meter is unknown).
	Meter func(context.Context) power.Meter
}

// OpenMeter opens the environment's meter, or returns nil when it has none.
func (e Env) OpenMeter(ctx context.Context) power.Meter {
	if e.Meter == nil {
		return nil
	}
	return e.Meter(ctx)
}

// detectMeter is the process's meter: the best source this machine has.
func detectMeter(ctx context.Context) power.Meter {
	m, _ := power.Detect(ctx)
	return m
}

// ProcessEnv describes the running process.
func ProcessEnv() Env {
	home, _ := os.UserHomeDir()
	exe, _ := os.Executable()
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	wd, _ := os.Getwd()
	return Env{Getenv: os.Getenv, Home: home, Exe: exe, WorkDir: wd, GOOS: runtime.GOOS, Sensors: sensors.New(),
		Meter: detectMeter}
}

// DataDir is where Inferbench keeps its database and, by default, its Python environment.
func (e Env) DataDir() string {
	if e.GOOS == "darwin" {
		return filepath.Join(e.Home, "Library", "Application Support", "Inferbench")
	}
	if x := e.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "inferbench")
	}
	return filepath.Join(e.Home, ".local", "share", "inferbench")
}

// CacheDir is where the embedded worker is unpacked.
func (e Env) CacheDir() string {
	if e.GOOS == "darwin" {
		return filepath.Join(e.Home, "Library", "Caches", "Inferbench")
	}
	if x := e.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "inferbench")
	}
	return filepath.Join(e.Home, ".cache", "inferbench")
}

// PythonCandidate is one place an interpreter may be, in the order they are tried.
type PythonCandidate struct {
	Source string // "--python", "INFERBENCH_PYTHON", "project venv", "app venv"
	Path   string
	Found  bool
}

// VenvPython is the interpreter inside a virtual environment.
func VenvPython(venv string) string { return filepath.Join(venv, "bin", "python") }

// PythonCandidates lists where the worker's interpreter is looked for: the flag, then
// INFERBENCH_PYTHON, then the project's .venv beside the binary (bin/inferbench in a source
// checkout) or in the working directory, then the environment `inferbench setup` creates.
func (e Env) PythonCandidates(flag string) []PythonCandidate {
	var cs []PythonCandidate
	add := func(source, path string) {
		if path == "" {
			return
		}
		_, err := os.Stat(path)
		cs = append(cs, PythonCandidate{Source: source, Path: path, Found: err == nil})
	}
	add("--python", flag)
	add("INFERBENCH_PYTHON", e.Getenv("INFERBENCH_PYTHON"))
	if e.Exe != "" {
		dir := filepath.Dir(e.Exe)
		add("project venv", VenvPython(filepath.Join(dir, "..", ".venv")))
		add("project venv", VenvPython(filepath.Join(dir, ".venv")))
	}
	if e.WorkDir != "" {
		add("project venv", VenvPython(filepath.Join(e.WorkDir, ".venv")))
	}
	add("app venv", VenvPython(e.DefaultVenv()))
	return cs
}

// DefaultVenv is the environment `inferbench setup` creates when not told where.
func (e Env) DefaultVenv() string { return filepath.Join(e.DataDir(), "venv") }

// FindPython returns the first interpreter that exists. An explicit choice (flag or variable)
// that does not exist is an error rather than a silent fallback.
func (e Env) FindPython(flag string) (string, error) {
	for _, c := range e.PythonCandidates(flag) {
		if c.Found {
			return c.Path, nil
		}
		if c.Source == "--python" || c.Source == "INFERBENCH_PYTHON" {
			return "", fmt.Errorf("%s points at %s, which does not exist: fix the path or unset it", c.Source, c.Path)
		}
	}
	return "", fmt.Errorf("no Python environment with MLX found: run `inferbench setup` (or `make setup` in a source checkout), or pass --python /path/to/python with mlx and mlx-lm installed")
}

// ReadSensors takes one sensor reading; without sensors, or when reading fails, everything is unknown.
func (e Env) ReadSensors(ctx context.Context) sensors.Reading { return ReadSensors(ctx, e.Sensors) }

// DBPath picks the database: --db, then INFERBENCH_DB, then the platform default.
func (e Env) DBPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := e.Getenv("INFERBENCH_DB"); v != "" {
		return v
	}
	return storage.DefaultPath(e.GOOS, e.Getenv, e.Home)
}
