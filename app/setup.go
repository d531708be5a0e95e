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
	files := []string{RequirementsFile(env.GOOS)}
	if opts.Dev {
		files = append(files, "requirements-dev.txt")
	}
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
