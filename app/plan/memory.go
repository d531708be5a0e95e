package plan

import (
	"fmt"
	"strings"

	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/engine"
)

// Oversize is a configuration that needs more memory than the machine has, at the least.
type Oversize struct {
	Config engine.Config
	Need   physics.MemoryFloor
}

func (o Oversize) String() string {
	return fmt.Sprintf("%s needs at least %s (weights %s, KV cache %s, activations %s)", o.Config.Label(),
		report.HumanBytes(o.Need.Total()), report.HumanBytes(o.Need.Weights), report.HumanBytes(o.Need.KVCache),
		report.HumanBytes(o.Need.Activations))
}

// Oversized lists the configurations whose weights, KV cache and activations alone
// (advice.MinimumMemory) exceed machineMemory: run, they would not fail cleanly but swap, be
// killed or bring the worker down. A memory budget (--memory-limit) does not lower the bound:
// what exceeds a budget but fits the machine is measured and recorded as oom, which is what a
// budget is for. Configurations of an unknown architecture, and any machine of unknown memory
// (0), pass.
func Oversized(cat *engine.Catalog, cfgs []engine.Config, machineMemory int64) []Oversize {
	if machineMemory <= 0 {
		return nil
	}
	shapes := advice.NewShapes(cat)
	var out []Oversize
	for _, c := range cfgs {
		if need, ok := advice.MinimumMemory(cat, shapes, c); ok && need.Total() > machineMemory {
			out = append(out, Oversize{c, need})
		}
	}
	return out
}

// maxListed bounds how many configurations a refusal names.
const maxListed = 5

// OversizeError refuses the configurations of Oversized (nil when there are none), naming them
// and the ways out: smaller batches or prompts, or --force.
func OversizeError(over []Oversize, machineMemory int64) error {
	if len(over) == 0 {
		return nil
	}
	var b strings.Builder
	if len(over) == 1 {
		fmt.Fprintf(&b, "%s, more than this machine's %s of memory", over[0], report.HumanBytes(machineMemory))
		b.WriteString(";\nlower --batch, --context or --generate, or pass --force to measure it anyway")
		return &engine.InvalidError{Msg: b.String()}
	}
	fmt.Fprintf(&b, "%d configurations need more than this machine's %s of memory:", len(over), report.HumanBytes(machineMemory))
	for i, o := range over {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  and %d more", len(over)-maxListed)
			break
		}
		b.WriteString("\n  " + o.String())
	}
	b.WriteString("\nlower the largest --batch, --context or --generate, or pass --force to measure them anyway")
	return &engine.InvalidError{Msg: b.String()}
}
