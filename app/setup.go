package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	resources "github.com/inferbench/inferbench/Resources"
)

// RequirementsFile names the pinned requirements for an OS: MLX's CPU backend on Linux, Metal on macOS.
func RequirementsFile(goos string) string {
	if goos == "darwin" {
		return "requirements-darwin.txt"
	}
	return "requirements-linux.txt"
}

// SetupOptions say where the environment goes, which interpreter creates it, and whether the
// test dependencies are installed too.
type SetupOptions struct {
	Venv string
	// Base is the interpreter the user chose; when empty, the first of Bases new enough, else
	// a Python that uv installs.
	Base  string
	Bases []string
	// UV is a uv to use rather than look for one; UVSearch is where to look (nil:
	// Env.uvCandidates). Managed is the Python uv installs when no base is new enough.
	UV       string
	UVSearch []string
	Managed  string
	Dev      bool
}

// requirementFiles are the embedded requirements Setup installs.
func requirementFiles(env Env, opts SetupOptions) []string {
	files := []string{RequirementsFile(env.GOOS)}
	if opts.Dev {
		files = append(files, "requirements-dev.txt")
	}
	return files
}

// SetupPlan writes what Setup would do, changing nothing: where the environment goes, whether
// it exists, and the pinned requirements pip would install with their dependencies.
func SetupPlan(env Env, opts SetupOptions, out io.Writer) error {
	venv, err := filepath.Abs(opts.Venv)
	if err != nil {
		return err
	}
	if _, err := os.Stat(VenvPython(venv)); err == nil {
		fmt.Fprintf(out, "Would update the virtual environment in %s\n", venv)
	} else {
		base := opts.Base
		if base == "" {
			base = "the first Python 3.10+ of " + strings.Join(opts.Bases, ", ") + " (else one uv installs)"
		}
		fmt.Fprintf(out, "Would create a virtual environment in %s with %s\n", venv, base)
	}
	for _, name := range requirementFiles(env, opts) {
		b, err := fs.ReadFile(resources.Worker(), name)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Would install from %s:\n", name)
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				fmt.Fprintf(out, "  %s\n", line)
			}
		}
	}
	fmt.Fprintln(out, "pip downloads these from PyPI with their dependencies; no model is downloaded.")
	return nil
}

// DefaultSetupOptions are setup's where the flags do not say otherwise.
func DefaultSetupOptions(env Env) SetupOptions {
	return SetupOptions{Venv: env.DefaultVenv(), Bases: basePythons(env.GOOS), Managed: managedPython}
}

// explicit reports whether the user named this interpreter.
func (o SetupOptions) explicit(base string) bool { return o.Base != "" && base == o.Base }

// Setup creates (or updates) the Python environment with the pinned mlx and mlx-lm, writing
// its progress to out.
func Setup(ctx context.Context, env Env, opts SetupOptions, out io.Writer) error {
	worker := resources.Worker()
	venv, err := filepath.Abs(opts.Venv)
	if err != nil {
		return err
	}
	opts.Venv = venv
	py := VenvPython(venv)
	if _, err := os.Stat(py); err != nil {
		if err := createEnvironment(ctx, env, opts, out); err != nil {
			return err
		}
	}
	files := requirementFiles(env, opts)
	tmp, err := os.MkdirTemp("", "inferbench-setup-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	pipArgs := []string{"-m", "pip", "install", "--disable-pip-version-check"}
	for _, name := range files {
		b, err := fs.ReadFile(worker, name)
		if err != nil {
			return err
		}
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
		pipArgs = append(pipArgs, "-r", p)
	}
	fmt.Fprintf(out, "Installing %v into %s\n", files, venv)
	if err := runVisible(ctx, out, py, pipArgs...); err != nil {
		return fmt.Errorf("pip install failed: %w; check the network connection to PyPI and run `inferbench setup` again", err)
	}
	if err := runVisible(ctx, out, py, "-c", "import mlx.core as mx, mlx_lm; print('mlx', mx.__version__, 'on', mx.default_device())"); err != nil {
		return fmt.Errorf("the new environment cannot import MLX: %w", err)
	}
	fmt.Fprintf(out, "Ready: %s\n", py)
	return nil
}

func runVisible(ctx context.Context, out io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Errorf("%s exited with status %d", filepath.Base(name), ee.ExitCode())
	}
	return err
}
