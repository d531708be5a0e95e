package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePyVersion(t *testing.T) {
	tests := []struct {
		in      string
		want    pyVersion
		atLeast bool // at least minPython
		bad     bool
	}{
		{"3.9.6\n", pyVersion{3, 9, 6}, false, false},
		{"3.10.0", pyVersion{3, 10, 0}, true, false},
		{"3.12.4", pyVersion{3, 12, 4}, true, false},
		{"4.0.0", pyVersion{4, 0, 0}, true, false},
		{"2.7.18", pyVersion{2, 7, 18}, false, false},
		{"3.11", pyVersion{}, false, true},
		{"Python 3.11.2", pyVersion{}, false, true},
		{"3.x.1", pyVersion{}, false, true},
	}
	for _, tt := range tests {
		v, err := parsePyVersion(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("parsePyVersion(%q) = %v, want an error", tt.in, v)
			}
			continue
		}
		if err != nil || v != tt.want || v.atLeast(minPython) != tt.atLeast {
			t.Errorf("parsePyVersion(%q) = %v, %v (at least %v: %v)", tt.in, v, err, minPython, v.atLeast(minPython))
		}
	}
}

// provisionEnv is an Env whose data lives in a temporary home.
func provisionEnv(t *testing.T) Env {
	t.Helper()
	home := t.TempDir()
	vars := map[string]string{"XDG_CACHE_HOME": filepath.Join(home, "cache"), "XDG_DATA_HOME": filepath.Join(home, "data")}
	return Env{Getenv: func(k string) string { return vars[k] }, Home: home, GOOS: "linux", WorkDir: home}
}

// testPython is a real interpreter of 3.10 or later: the project's test environment.
func testPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("INFERBENCH_TEST_PYTHON")
	if py == "" {
		py, _ = filepath.Abs("../.venv/bin/python")
	}
	if _, err := os.Stat(py); err != nil {
		t.Fatalf("no test interpreter at %s (make setup makes it): %v", py, err)
	}
	return py
}

// stockPython writes an interpreter that says it is Python 3.9.6, as a stock Mac's
// /usr/bin/python3 does, and otherwise runs real, when given one, so it can still run pip.
func stockPython(t *testing.T, real string) string {
	t.Helper()
	run := "echo 'python 3.9.6 cannot do that here' >&2; exit 1"
	if real != "" {
		run = "exec " + real + ` "$@"`
	}
	path := filepath.Join(t.TempDir(), "python3")
	script := "#!/bin/sh\ncase \"$*\" in *version_info*) echo 3.9.6; exit 0;; esac\n" + run + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSetupRefusesAnOldBasePython(t *testing.T) {
	env := provisionEnv(t)
	venv := filepath.Join(t.TempDir(), "venv")
	opts := DefaultSetupOptions(env)
	opts.Venv, opts.Base = venv, stockPython(t, "")
	var out bytes.Buffer
	err := Setup(context.Background(), env, opts, &out)
	if err == nil {
		t.Fatalf("setup with Python 3.9 succeeded:\n%s", out.String())
	}
	for _, want := range []string{"3.9.6", "3.10 or newer", "leave out --base-python"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(venv); err == nil {
		t.Errorf("setup created %s before finding the interpreter too old", venv)
	}
}

func TestCreateEnvironmentSkipsOldPythons(t *testing.T) {
	env := provisionEnv(t)
	venv := filepath.Join(t.TempDir(), "venv")
	opts := DefaultSetupOptions(env)
	opts.Venv = venv
	opts.Bases = []string{filepath.Join(t.TempDir(), "no-such-python"), stockPython(t, ""), testPython(t)}
	var out bytes.Buffer
	if err := createEnvironment(context.Background(), env, opts, &out); err != nil {
		t.Fatalf("createEnvironment: %v\n%s", err, out.String())
	}
	v, err := pythonVersion(context.Background(), VenvPython(venv))
	if err != nil || !v.atLeast(minPython) {
		t.Fatalf("the new environment's Python is %v (%v), want %v or newer", v, err, minPython)
	}
	if !strings.Contains(out.String(), testPython(t)) {
		t.Errorf("output does not name the interpreter used:\n%s", out.String())
	}
}

func TestCreateEnvironmentWithoutPythonOrUV(t *testing.T) {
	env := provisionEnv(t)
	venv := filepath.Join(t.TempDir(), "venv")
	opts := DefaultSetupOptions(env)
	opts.Venv = venv
	opts.Bases = []string{stockPython(t, "")} // too old, and cannot install uv either
	var out bytes.Buffer
	err := createEnvironment(context.Background(), env, opts, &out)
	if err == nil {
		t.Fatalf("createEnvironment succeeded without a new enough Python:\n%s", out.String())
	}
	for _, want := range []string{"only Python 3.9.6 at " + opts.Bases[0], "needs Python 3.10 or newer", "brew install python@3.12", "inferbench setup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(venv); err == nil {
		t.Errorf("a half-made environment was left at %s", venv)
	}
}
