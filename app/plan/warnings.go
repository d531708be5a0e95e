package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/grid"
	"github.com/inferbench/inferbench/storage"
)

// Warnings are the caveats a user would otherwise miss before a grid runs: precisions the
// CPU backend has no fast kernels for (with the slowdown measured here, when stored), intervals
// from too few repetitions, and weights that alone exceed the memory budget or the machine.
// backend is the MLX backend that will measure ("cpu", "gpu", "cuda"; "" unknown).
func Warnings(cat *engine.Catalog, cfgs []engine.Config, stored []storage.Run, backend string, machineMemory int64) []string {
	var out []string
	seen := map[string]bool{}
	once := func(key, msg string) {
		if !seen[key] {
			seen[key] = true
			out = append(out, msg)
		}
	}
	shapes := advice.NewShapes(cat)
	for _, c := range cfgs {
		if backend == "cpu" && c.Precision != "fp32" {
			if slow, n, models := cpuSlowdown(stored, c.Model, c.Precision); n > 0 {
				once("cpu "+c.Precision, fmt.Sprintf("%s on the CPU backend: measured here %.1f× slower decode than fp32 (median of %d stored %s of %s); fp32 uses BLAS, other precisions take MLX's slower CPU paths",
					c.Precision, slow, n, report.Plural(n, "pair", "pairs"), models))
			} else {
				once("cpu "+c.Precision, fmt.Sprintf("%s on the CPU backend: expect it to be several times slower than fp32 (fp32 uses BLAS, other precisions take MLX's slower CPU paths); nothing stored yet to say by how much",
					c.Precision))
			}
		}
		if c.TargetCI == 0 && c.Repeats < report.MinIntervalReps {
			once("repeats", fmt.Sprintf("--repeats %d: a 95%% interval from fewer than %d repetitions is wider than it is useful; use --repeats %d or more",
				c.Repeats, report.MinIntervalReps, grid.DefaultSweepSpec().Repeats))
		}
		sh, ok := shapes.Of(c.Model, "")
		if !ok {
			continue
		}
		_, weights, err := advice.EstimateWeights(cat, sh, c.Precision)
		if err != nil || weights <= 0 {
			continue
		}
		switch {
		case c.MemoryLimit > 0 && weights > c.MemoryLimit:
			once("limit "+c.Model+c.Precision, fmt.Sprintf("%s %s: the weights alone are about %s, above --memory-limit %s: every configuration of it will be recorded as oom",
				c.Model, c.Precision, report.HumanBytes(weights), report.HumanBytes(c.MemoryLimit)))
		case c.MemoryLimit == 0 && machineMemory > 0 && weights > machineMemory:
			once("memory "+c.Model+c.Precision, fmt.Sprintf("%s %s: the weights alone are about %s, more than this machine's %s of memory",
				c.Model, c.Precision, report.HumanBytes(weights), report.HumanBytes(machineMemory)))
		}
	}
	return out
}

// cpuSlowdown is the median ratio of fp32's decode tokens/s to precision's over stored
// CPU-backend pairs of the same model and sizes, how many pairs there were, and of which
// models: model's own pairs when there are any, else every model's.
func cpuSlowdown(stored []storage.Run, model, precision string) (float64, int, string) {
	type key struct {
		model                 string
		ctx, gen, batch       int
		mlx, mlxLM, backendID string
	}
	fp32 := map[key]float64{}
	k := func(r storage.Run) key {
		return key{r.Model, r.Context, r.Generate, r.Batch, r.MLXVersion, r.MLXLMVersion, r.Backend}
	}
	ok := func(r storage.Run) bool {
		return r.Status == storage.StatusOK && r.Backend == "cpu" && r.DecodeTokensPerSec != nil && *r.DecodeTokensPerSec > 0
	}
	for _, r := range stored {
		if ok(r) && r.Precision == "fp32" {
			fp32[k(r)] = *r.DecodeTokensPerSec
		}
	}
	ratios := map[string][]float64{} // by model
	for _, r := range stored {
		if ok(r) && r.Precision == precision {
			if f, found := fp32[k(r)]; found {
				ratios[r.Model] = append(ratios[r.Model], f / *r.DecodeTokensPerSec)
			}
		}
	}
	use, names := ratios[model], model
	if len(use) == 0 {
		var ms []string
		for m, rs := range ratios {
			use = append(use, rs...)
			ms = append(ms, m)
		}
		sort.Strings(ms)
		names = strings.Join(ms, ", ")
	}
	if len(use) == 0 {
		return 0, 0, ""
	}
	sort.Float64s(use)
	return use[len(use)/2], len(use), names
}

// Backend guesses the backend a worker would report without starting one: the latest stored
// run's, else MLX's default for the platform.
func Backend(stored []storage.Run, goos string) string {
	if len(stored) > 0 && stored[0].Backend != "" {
		return stored[0].Backend
	}
	if goos == "darwin" {
		return "gpu"
	}
	return "cpu"
}
