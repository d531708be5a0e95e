package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// minPython is the oldest Python that MLX's wheels support.
var minPython = pyVersion{3, 10, 0}

// managedPython is the Python that uv installs where this machine has none new enough.
const managedPython = "3.12"

// uvRequirement is the uv that setup installs from PyPI when it needs uv and has none.
const uvRequirement = "uv==0.13.9"

// pyVersion is a Python version.
type pyVersion struct{ Major, Minor, Patch int }

func (v pyVersion) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

func (v pyVersion) atLeast(w pyVersion) bool {
	if v.Major != w.Major {
		return v.Major > w.Major
	}
	if v.Minor != w.Minor {
		return v.Minor > w.Minor
	}
	return v.Patch >= w.Patch
}

// parsePyVersion reads "3.9.6" as the interpreter prints it.
func parsePyVersion(s string) (pyVersion, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) != 3 {
		return pyVersion{}, fmt.Errorf("not a Python version: %q", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return pyVersion{}, fmt.Errorf("not a Python version: %q", s)
		}
		n[i] = v
	}
	return pyVersion{n[0], n[1], n[2]}, nil
}

// pythonVersion runs the interpreter to ask its version.
func pythonVersion(ctx context.Context, python string) (pyVersion, error) {
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, python, "-c", `import sys; print("%d.%d.%d" % sys.version_info[:3])`)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return pyVersion{}, fmt.Errorf("%s does not run: %v %s", python, err, strings.TrimSpace(errOut.String()))
	}
	return parsePyVersion(out.String())
}

// basePythons are the interpreters setup may create the environment with, best first, when
// not told which: the user's python3, else a versioned one that is new enough. An app opened
// from Finder has only /usr/bin on its PATH, and a stock Mac's /usr/bin/python3 is 3.9, so
// Homebrew's come first there.
func basePythons(goos string) []string {
	var ps []string
	if goos == "darwin" {
		ps = append(ps, "/opt/homebrew/bin/python3", "/usr/local/bin/python3")
	}
	ps = append(ps, "python3")
	for _, minor := range []string{"13", "12", "11", "10"} {
		ps = append(ps, "python3."+minor)
	}
	return ps
}

// uvCandidates are where uv may already be: PATH, its installer's folders, Homebrew, and the
// copy an earlier setup installed.
func (e Env) uvCandidates() []string {
	return []string{"uv", filepath.Join(e.Home, ".local", "bin", "uv"), filepath.Join(e.Home, ".cargo", "bin", "uv"),
		"/opt/homebrew/bin/uv", filepath.Join(e.uvDir(), "bin", "uv")}
}

// uvDir is the environment setup installs uv into when it needs it.
func (e Env) uvDir() string { return filepath.Join(e.DataDir(), "uv") }

// createEnvironment makes the virtual environment venv with a Python new enough for MLX: the
// first of opts' interpreters that is, else one that uv installs. It checks versions before it
// creates anything, and says what to do when it can find or make no suitable Python.
func createEnvironment(ctx context.Context, env Env, opts SetupOptions, out io.Writer) error {
	bases := opts.Bases
	if opts.Base != "" {
		bases = []string{opts.Base}
	}
	var tooOld []string
	var anyPython string // an interpreter, too old or not, that can install uv
	for _, base := range bases {
		if !opts.explicit(base) && lookPath(base) == "" {
			continue
		}
		v, err := pythonVersion(ctx, base)
		if err != nil {
			if opts.explicit(base) {
				return fmt.Errorf("--base-python: %w", err)
			}
			continue
		}
		if anyPython == "" {
			anyPython = base
		}
		if !v.atLeast(minPython) && opts.explicit(base) {
			return fmt.Errorf("--base-python %s is Python %s, and MLX needs %d.%d or newer: pass a newer interpreter, or leave out --base-python and setup installs one with uv",
				base, v, minPython.Major, minPython.Minor)
		}
		if !v.atLeast(minPython) {
			tooOld = append(tooOld, fmt.Sprintf("Python %s at %s", v, base))
			continue
		}
		fmt.Fprintf(out, "Creating a virtual environment in %s with Python %s (%s)\n", opts.Venv, v, base)
		if err := runVisible(ctx, out, base, "-m", "venv", opts.Venv); err != nil {
			return fmt.Errorf("create virtual environment with %s: %w; install Python's venv module (Debian: apt-get install python3-venv) or pass --base-python", base, err)
		}
		return nil
	}
	found := "no Python"
	if len(tooOld) > 0 {
		found = "only " + strings.Join(tooOld, ", ")
	}
	fmt.Fprintf(out, "MLX needs Python %d.%d or newer and this machine has %s: installing Python %s with uv\n",
		minPython.Major, minPython.Minor, found, opts.Managed)
	uv, err := findOrInstallUV(ctx, env, opts, anyPython, out)
	if err == nil {
		err = runVisible(ctx, out, uv, "venv", "--seed", "--python", opts.Managed, opts.Venv)
	}
	if err != nil {
		os.RemoveAll(opts.Venv) // a half-made environment would be taken for a ready one
		return fmt.Errorf("MLX needs Python %d.%d or newer and this machine has %s; installing one with uv failed (%w). "+
			"Install Python 3.12 (brew install python@3.12, or the installer from python.org), or uv (https://docs.astral.sh/uv/), then run `inferbench setup` again",
			minPython.Major, minPython.Minor, found, err)
	}
	return nil
}

// findOrInstallUV returns a uv that runs, installing it from PyPI with python (any version
// pip runs on) into the data folder when there is none.
func findOrInstallUV(ctx context.Context, env Env, opts SetupOptions, python string, out io.Writer) (string, error) {
	candidates := opts.UVSearch
	if candidates == nil {
		candidates = env.uvCandidates()
	}
	if opts.UV != "" {
		candidates = []string{opts.UV}
	}
	for _, c := range candidates {
		if p := lookPath(c); p != "" && exec.CommandContext(ctx, p, "--version").Run() == nil {
			return p, nil
		}
	}
	if opts.UV != "" {
		return "", fmt.Errorf("uv at %s does not run", opts.UV)
	}
	if python == "" {
		return "", errors.New("no uv, and no Python to install it with")
	}
	dir := env.uvDir()
	fmt.Fprintf(out, "Installing %s into %s\n", uvRequirement, dir)
	if err := runVisible(ctx, out, python, "-m", "venv", dir); err != nil {
		return "", fmt.Errorf("create an environment for uv: %w", err)
	}
	if err := runVisible(ctx, out, VenvPython(dir), "-m", "pip", "install", "--disable-pip-version-check", uvRequirement); err != nil {
		return "", fmt.Errorf("pip install %s: %w", uvRequirement, err)
	}
	return filepath.Join(dir, "bin", "uv"), nil
}

// lookPath is exec.LookPath for a name, or the path itself when it is one that exists.
func lookPath(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}
