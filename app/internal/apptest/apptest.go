// Package apptest holds what the application packages' tests share: an environment in a
// temporary home with the project's test interpreter, and synthetic runs for the advisor.
package apptest

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// Env is an Env whose data and cache live in a temporary home, with the project's test
// interpreter as INFERBENCH_PYTHON. `make test` sets INFERBENCH_TEST_PYTHON; without it, tests
// that need the worker are skipped.
func Env(t *testing.T, needWorker bool) app.Env {
	t.Helper()
	home := t.TempDir()
	// Its own machine lock: tests measure side by side, as other tests and test runs on the
	// machine do.
	vars := map[string]string{"XDG_CACHE_HOME": filepath.Join(home, "cache"), "XDG_DATA_HOME": filepath.Join(home, "data"),
		"INFERBENCH_LOCK_DIR": home}
	py := os.Getenv("INFERBENCH_TEST_PYTHON")
	if py == "" {
		py = filepath.Join(moduleRoot(), ".venv", "bin", "python")
	}
	if _, err := os.Stat(py); err == nil {
		vars["INFERBENCH_PYTHON"] = py
	} else if needWorker {
		if os.Getenv("INFERBENCH_TEST_PYTHON") != "" {
			t.Fatalf("INFERBENCH_TEST_PYTHON=%s: %v", py, err)
		}
		t.Skip("no Python environment with MLX: run make setup")
	}
	return app.Env{Getenv: func(k string) string { return vars[k] }, Home: home, GOOS: "linux", WorkDir: home}
}

// Python is the project's test interpreter (INFERBENCH_TEST_PYTHON, else the project's .venv);
// a test is skipped without one, and fails when INFERBENCH_TEST_PYTHON names a missing one.
func Python(t *testing.T) string {
	t.Helper()
	py := os.Getenv("INFERBENCH_TEST_PYTHON")
	if py == "" {
		py = filepath.Join(moduleRoot(), ".venv", "bin", "python")
	}
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("INFERBENCH_TEST_PYTHON") != "" {
			t.Fatalf("INFERBENCH_TEST_PYTHON=%s: %v", py, err)
		}
		t.Skip("no Python environment: run make setup")
	}
	return py
}

// moduleRoot is the folder holding go.mod, found upwards from the package under test.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// Synthetic generates runs from the physics the advisor assumes, with log-normal noise:
// decode reads the weights and the KV cache once per token at a fixed bandwidth, the first
// token reads the weights and does the prompt's FLOPs, and peak memory holds the weights, the
// KV cache, the prompt's logits and a fixed overhead.
type Synthetic struct {
	t   *testing.T
	DB  *storage.DB
	rng *rand.Rand
	cat *engine.Catalog

	machineID int64
	nextSeed  uint64
}

const (
	SynthBandwidthGBs = 10
	SynthGFLOPS       = 200
	SynthOverhead     = 60 << 20
	SynthGenerate     = 32
)

var (
	SynthModels     = []string{"gpt2", "gpt2-medium", "gpt2-large"}
	SynthPrecisions = []string{"fp32", "fp16"}
	SynthContexts   = []int{64, 128, 256, 512}
)

func NewSynthetic(t *testing.T, path string) *Synthetic {
	t.Helper()
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// The runs are this machine's, as predict and recommend look for measurements here.
	id, err := db.UpsertMachine(context.Background(), app.StorageMachine(engine.DetectMachine()))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	return &Synthetic{t: t, DB: db, rng: rand.New(rand.NewPCG(1, 2)), cat: cat, machineID: id}
}

// run builds one successful run of the law.
func (s *Synthetic) Run(model, precision string, ctx, batch int) *storage.Run {
	s.t.Helper()
	shape, ok := advice.NewShapes(s.cat).Of(model, "")
	if !ok {
		s.t.Fatalf("no shape for %s", model)
	}
	params, weights, err := advice.EstimateWeights(s.cat, shape, precision)
	if err != nil {
		s.t.Fatal(err)
	}
	elem := 2.0
	if precision == "fp32" {
		elem = 4
	}
	kvPerToken := 2 * float64(shape.Layers*shape.KVHeads*shape.HeadDim) * elem
	b := float64(batch)
	noise := func() float64 { return math.Exp(0.03 * s.rng.NormFloat64()) }
	decode := (float64(weights) + kvPerToken*(float64(ctx)+SynthGenerate/2)*b) / (SynthBandwidthGBs * 1e6) * noise()
	ttft := (float64(weights)/(SynthBandwidthGBs*1e6) + 2*float64(params)*float64(ctx)*b/(SynthGFLOPS*1e6)) * noise()
	peak := int64((float64(weights) + kvPerToken*float64(ctx+SynthGenerate)*b + b*float64(ctx*shape.Vocab)*4 + SynthOverhead) * noise())
	tps := b * 1000 / decode
	return &storage.Run{
		MachineID: s.machineID, Model: model, ModelSource: "catalog", Weights: "random", Architecture: "gpt2",
		Params: params, WeightBytes: weights, Precision: precision,
		Context: ctx, Generate: SynthGenerate, Batch: batch, Warmup: 1, Repeats: 5,
		Status: storage.StatusOK, Backend: "cpu", Device: "cpu",
		TTFTMs: &ttft, DecodeMsPerToken: &decode, DecodeTokensPerSec: &tps, PeakMemoryBytes: &peak,
		ThermalStart: "nominal", ThermalEnd: "nominal", ThermalWorst: "nominal", PowerSource: "ac", LowPower: "false",
	}
}

func (s *Synthetic) Insert(r *storage.Run) *storage.Run {
	s.t.Helper()
	if _, err := s.DB.InsertRun(context.Background(), r); err != nil {
		s.t.Fatal(err)
	}
	return r
}

// sweep inserts every model × precision × context at batch 1, and the largest context at
// batch 4, and returns how many runs it inserted.
func (s *Synthetic) Sweep() int {
	n := 0
	for _, m := range SynthModels {
		for _, p := range SynthPrecisions {
			for _, c := range SynthContexts {
				s.Insert(s.Run(m, p, c, 1))
				n++
			}
			s.Insert(s.Run(m, p, 256, 4))
			n++
		}
	}
	return n
}

// Seeded returns an environment and a database holding a synthetic sweep.
func Seeded(t *testing.T) (app.Env, string, *Synthetic, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs.db")
	s := NewSynthetic(t, path)
	return Env(t, false), path, s, s.Sweep()
}

// Process is one live process as ps(1) lists it.
type Process struct {
	PID, PPID int
	Command   string
}

// Processes lists live processes with ps(1), which Linux and macOS both have: zombies, which
// hold nothing and only wait to be reaped, are left out.
func Processes(t *testing.T) []Process {
	t.Helper()
	out, err := exec.Command("ps", "-A", "-o", "pid=,ppid=,stat=,command=").Output()
	if err != nil {
		t.Fatalf("ps: %v", err)
	}
	var ps []Process
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || strings.HasPrefix(f[2], "Z") {
			continue
		}
		pid, err1 := strconv.Atoi(f[0])
		ppid, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			continue
		}
		ps = append(ps, Process{PID: pid, PPID: ppid, Command: strings.Join(f[3:], " ")})
	}
	return ps
}

// WorkersIn lists live worker processes unpacked under cacheDir: a worker's command line names
// the folder it runs from.
func WorkersIn(t *testing.T, cacheDir string) []int {
	t.Helper()
	var pids []int
	for _, p := range Processes(t) {
		if strings.Contains(p.Command, "inferbench_worker") && strings.Contains(p.Command, cacheDir) {
			pids = append(pids, p.PID)
		}
	}
	return pids
}

// WorkerOf returns the pid of a live worker that parent started, or 0.
func WorkerOf(t *testing.T, parent int) int {
	t.Helper()
	for _, p := range Processes(t) {
		if p.PPID == parent && strings.Contains(p.Command, "inferbench_worker") {
			return p.PID
		}
	}
	return 0
}

// WaitNoWorkers fails the test if worker processes from cacheDir are still alive after within.
// Callers give a generous bound: the event it waits for is the workers' end, not a time.
func WaitNoWorkers(t *testing.T, cacheDir string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if len(WorkersIn(t, cacheDir)) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("workers %v outlived inferbench by %s", WorkersIn(t, cacheDir), within)
}

// Whole reports whether a stored run holds every repetition it set out to measure; a run cut
// short would hold fewer.
func Whole(r *storage.Run) bool { return len(r.Samples) == r.Repeats }
