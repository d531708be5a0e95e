package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	resources "github.com/inferbench/inferbench/Resources"
)

// requirementsFile names the pinned requirements for an OS: MLX's CPU backend on Linux, Metal on macOS.
func requirementsFile(goos string) string {
	if goos == "darwin" {
		return "requirements-darwin.txt"
	}
	return "requirements-linux.txt"
}

type setupOptions struct {
	venv string
	// base is the interpreter the user chose; when empty, the first of bases new enough.
	base  string
	bases []string
	uv    string // a uv to use rather than look for one
	// uvSearch is where to look for uv; nil: Env.uvCandidates.
	uvSearch []string
	managed  string // the Python uv installs when no base is new enough
	dev      bool
}

// explicit reports whether the user named this interpreter.
func (o setupOptions) explicit(base string) bool { return o.base != "" && base == o.base }

// defaultSetupOptions are setup's where the flags do not say otherwise.
func defaultSetupOptions(env Env) setupOptions {
	return setupOptions{venv: env.DefaultVenv(), bases: basePythons(env.GOOS), managed: managedPython}
}

func runSetup(ctx context.Context, env Env, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("setup", flag.ContinueOnError)
	flags.SetOutput(stderr)
	opts := defaultSetupOptions(env)
	flags.StringVar(&opts.venv, "venv", opts.venv, "`folder` of the virtual environment to create or update")
	flags.StringVar(&opts.base, "base-python", "", "`interpreter` that creates the environment (Python 3.10 or newer); default: the first new enough of "+strings.Join(opts.bases, ", ")+", else one that uv installs")
	flags.BoolVar(&opts.dev, "dev", false, "also install the test dependencies (pytest, tokenizers)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, `Usage: inferbench setup [flags]

Creates (or updates) a Python virtual environment with the pinned mlx and mlx-lm the worker needs:
the CPU backend on Linux, Metal on macOS. Where this machine has no Python 3.10 or newer (a stock
Mac's is 3.9), uv, from PyPI if need be, installs one. Nothing else is downloaded.

Flags:
`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return usageError(err)
	}
	return setup(ctx, env, opts, stdout)
}

func setup(ctx context.Context, env Env, opts setupOptions, out io.Writer) error {
	worker := resources.Worker()
	venv, err := filepath.Abs(opts.venv)
	if err != nil {
		return err
	}
	opts.venv = venv
	py := venvPython(venv)
	if _, err := os.Stat(py); err != nil {
		if err := createEnvironment(ctx, env, opts, out); err != nil {
			return err
		}
	}
	files := []string{requirementsFile(env.GOOS)}
	if opts.dev {
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
