package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/inferbench/inferbench/engine"
)

// RunKey identifies a configuration for resuming sweeps: what was measured, how (weights and
// their seed, warm-ups, repetitions fixed or adaptive, worker processes) and under which memory
// budget. A configuration measured with other settings counts as another configuration.
// Settings that only bound a measurement (its timeout) are not part of it.
type RunKey struct {
	Model            string
	Precision        string
	Context          int
	Generate         int
	Batch            int
	MemoryLimitBytes int64
	Weights          string
	Warmup           int
	Repeats          int
	Processes        int
	Seed             int
	TargetCI         float64 // 0: fixed repetitions
	MinRepeats       int     // adaptive repetitions' start (engine.Config.AdaptiveStart); 0 for fixed ones
}

// ConfigKey is the key c's runs are stored under, for the model as resolved (a checkpoint
// folder by its absolute path).
func ConfigKey(model string, c engine.Config) RunKey {
	return RunKey{Model: model, Precision: c.Precision, Context: c.Context, Generate: c.Generate, Batch: c.Batch,
		MemoryLimitBytes: c.MemoryLimit, Weights: c.Weights, Warmup: c.Warmup, Repeats: c.Repeats,
		Processes: max(1, c.Processes), Seed: c.Seed, TargetCI: max(0, c.TargetCI), MinRepeats: c.AdaptiveStart()}
}

// Key is the key the run is stored under, the one ConfigKey gives its configuration.
func (r *Run) Key() RunKey {
	return RunKey{Model: r.Model, Precision: r.Precision, Context: r.Context, Generate: r.Generate, Batch: r.Batch,
		MemoryLimitBytes: r.MemoryLimitBytes, Weights: r.Weights, Warmup: r.Warmup, Repeats: r.Repeats,
		Processes: max(1, r.Processes), Seed: r.Seed, TargetCI: r.TargetCI, MinRepeats: r.MinRepeats}
}

// Measured is the latest run that answers a configuration: its id and how it ended.
type Measured struct {
	RunID  int64
	Status string
}

// Software is the measuring environment: results from another machine, backend or MLX
// version do not count as measured.
type Software struct {
	MachineID    int64
	Backend      string
	MLXVersion   string
	MLXLMVersion string
}

// unconfirmedOOM matches the error of an oom run stored by Inferbench before it asked the
// system for confirmation: any SIGKILL then read as out of memory. Such a run is not a
// measurement of anything, and is due again.
const unconfirmedOOM = "%killed by signal 9 (killed), most likely out of memory%"

// Completed returns, for every configuration measured in this environment with one of the
// given statuses, its latest such run.
func (db *DB) Completed(ctx context.Context, sw Software, statuses ...string) (map[RunKey]Measured, error) {
	if len(statuses) == 0 {
		return map[RunKey]Measured{}, nil
	}
	args := []any{sw.MachineID, sw.Backend, sw.MLXVersion, sw.MLXLMVersion}
	for _, s := range statuses {
		args = append(args, s)
	}
	rows, err := db.db.QueryContext(ctx, `
		SELECT id, model, precision, context_tokens, generate_tokens, batch_size, memory_limit_bytes,
		       weights, warmup, repeats, max(processes, 1), seed, target_ci, min_repeats, status
		FROM runs
		WHERE machine_id = ? AND backend = ? AND mlx_version = ? AND mlx_lm_version = ?
		  AND status IN (?`+strings.Repeat(",?", len(statuses)-1)+`)
		  AND NOT (status = 'oom' AND error LIKE ?)
		ORDER BY id`, append(args, unconfirmedOOM)...)
	if err != nil {
		return nil, fmt.Errorf("read measured configurations: %w", err)
	}
	defer rows.Close()
	done := map[RunKey]Measured{}
	for rows.Next() {
		var k RunKey
		var m Measured
		if err := rows.Scan(&m.RunID, &k.Model, &k.Precision, &k.Context, &k.Generate, &k.Batch, &k.MemoryLimitBytes,
			&k.Weights, &k.Warmup, &k.Repeats, &k.Processes, &k.Seed, &k.TargetCI, &k.MinRepeats, &m.Status); err != nil {
			return nil, fmt.Errorf("read measured configurations: %w", err)
		}
		done[k] = m // later rows win
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read measured configurations: %w", err)
	}
	return done, nil
}
