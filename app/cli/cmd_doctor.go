package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/power"
	"github.com/inferbench/inferbench/storage"
)

// errDoctor means doctor found a problem; what and how to fix it were printed.
var errDoctor = errors.New("doctor found problems (see above)")

func runDoctor(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("doctor", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var (
		wo command.WorkerOptions
	)
	wo.AddFlags(flags, env)
	command.SetUsage(flags, stderr, command.HelpText{
		Synopsis: "doctor [flags]",
		Description: `Checks what inferbench needs and says how to fix what is missing: the Python interpreters it
would use and in which order (--python, INFERBENCH_PYTHON, the project's .venv, the environment
inferbench setup makes), that the worker starts there with the pinned mlx and mlx-lm, and that
the database opens.`,
		Examples: []string{"doctor"},
		Exits:    []command.ExitMeaning{command.Done("ready to measure"), {Code: command.ExitFailure, Meaning: "a problem was found (each is printed with its fix)"}, {Code: command.ExitUsage, Meaning: "bad flags"}},
	})
	if err := flags.Parse(args); err != nil {
		return command.UsageError(err)
	}
	problems := 0
	ok := func(what, detail string) { fmt.Fprintf(stdout, "ok       %-10s %s\n", what, detail) }
	bad := func(what, detail, fix string) {
		problems++
		fmt.Fprintf(stdout, "PROBLEM  %-10s %s\n         fix: %s\n", what, command.IndentRest(detail), fix)
	}

	ok("inferbench", fmt.Sprintf("%s (%s/%s)", Version, runtime.GOOS, runtime.GOARCH))
	seen := map[string]bool{}
	for _, c := range env.PythonCandidates(wo.Python) {
		if seen[c.Path] { // the project's .venv found from the binary and from the working folder
			continue
		}
		seen[c.Path] = true
		state := "not found"
		if c.Found {
			state = "found"
		}
		fmt.Fprintf(stdout, "         python     %-18s %s (%s)\n", c.Source, c.Path, state)
	}
	setupCmd := "inferbench setup   (in a source checkout: make setup)"
	spec, err := wo.Spec(env, stderr)
	switch {
	case err != nil:
		bad("python", err.Error(), setupCmd)
	default:
		ok("python", spec.Python)
		sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		w, err := engine.StartWorker(sctx, spec)
		cancel()
		if err != nil {
			bad("worker", err.Error(), setupCmd)
			break
		}
		h := w.Hello()
		w.Close()
		ok("worker", fmt.Sprintf("protocol %d, Python %s, backend %s on %s, %s memory", h.Protocol, h.Python, h.Backend, h.Device, report.HumanBytes(h.MemoryBytes)))
		pins := pinnedVersions(env.GOOS)
		for _, pkg := range []struct{ name, got string }{{"mlx", h.MLX}, {"mlx-lm", h.MLXLM}} {
			if want := pins[pkg.name]; want != "" && want != pkg.got {
				bad(pkg.name, fmt.Sprintf("version %s installed, this inferbench is tested with %s", pkg.got, want), setupCmd)
			} else {
				ok(pkg.name, pkg.got)
			}
		}
	}

	// Energy is recorded where a meter can be read; its absence is no problem.
	if m := env.OpenMeter(ctx); m != nil {
		detail := m.Source()
		if m.Source() == power.SourceUnknown {
			detail += " (no readable energy meter, so runs store no energy: docs/data.md, Energy and clocks, lists the sources)"
		}
		if r, err := m.Read(ctx); err == nil && (r.CPUMHz > 0 || r.GPUMHz > 0) {
			detail += fmt.Sprintf("; clocks: CPU %.0f MHz, GPU %.0f MHz (0: not readable)", r.CPUMHz, r.GPUMHz)
		}
		m.Close()
		ok("energy", detail)
	}

	path := wo.Path(env)
	store, err := storage.Open(ctx, path)
	if err != nil {
		bad("database", err.Error(), "pass --db or set INFERBENCH_DB to a writable file")
	} else {
		n, err := store.Runs(ctx, storage.RunFilter{})
		store.Close()
		if err != nil {
			bad("database", err.Error(), "move the file aside and run again")
		} else {
			ok("database", fmt.Sprintf("%s (%d %s)", path, len(n), report.Plural(len(n), "run", "runs")))
		}
	}
	if problems > 0 {
		return errDoctor
	}
	fmt.Fprintf(stdout, "\nReady to measure: inferbench run --model gpt2 --precision %s\n", readyPrecision(env.GOOS))
	return nil
}

// pinnedVersions reads "name==version" lines of the embedded requirements, keyed by name
// without extras.
func pinnedVersions(goos string) map[string]string {
	pins := map[string]string{}
	b, err := fs.ReadFile(resources.Worker(), app.RequirementsFile(goos))
	if err != nil {
		return pins
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, version, found := strings.Cut(strings.TrimSpace(sc.Text()), "==")
		if !found || strings.HasPrefix(name, "#") {
			continue
		}
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		pins[name] = version
	}
	return pins
}

// readyPrecision is the precision doctor suggests for a first run: fp32 where MLX runs on the
// CPU, the only precision with fast kernels there.
func readyPrecision(goos string) string {
	if goos == "darwin" {
		return "fp16"
	}
	return "fp32"
}
