package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCreateEnvironmentInstallsPythonWithUV is a stock Mac: its only Python says 3.9, so setup
// installs uv from PyPI with it and has uv make the environment. uv may not download a Python
// here, so it is asked for the version this machine has; on a Mac it downloads managedPython.
func TestCreateEnvironmentInstallsPythonWithUV(t *testing.T) {
	if testing.Short() {
		t.Skip("installs uv from PyPI")
	}
	real := testPython(t)
	have, err := pythonVersion(context.Background(), real)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("UV_PYTHON_DOWNLOADS", "never")
	env := provisionEnv(t)
	venv := filepath.Join(t.TempDir(), "venv")
	opts := DefaultSetupOptions(env)
	opts.Venv = venv
	opts.Bases = []string{stockPython(t, real)}
	opts.Managed = fmt.Sprintf("%d.%d", have.Major, have.Minor)
	// No uv but the one setup installs, whatever this machine has.
	uv := filepath.Join(env.uvDir(), "bin", "uv")
	opts.UVSearch = []string{uv}

	var out bytes.Buffer
	if err := createEnvironment(context.Background(), env, opts, &out); err != nil {
		t.Fatalf("createEnvironment: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(uv); err != nil {
		t.Errorf("uv was not installed into %s: %v", env.uvDir(), err)
	}
	got, err := pythonVersion(context.Background(), VenvPython(venv))
	if err != nil || !got.atLeast(minPython) {
		t.Fatalf("the environment's Python is %v (%v), want %v or newer\n%s", got, err, minPython, out.String())
	}
	if !strings.Contains(out.String(), "only Python 3.9.6") {
		t.Errorf("output does not say why uv was used:\n%s", out.String())
	}
}
