package storage

import (
	"context"
	"fmt"
	"strings"
)

// RunKey identifies a configuration for resuming sweeps: what was measured, how (weights,
// warm-ups, repetitions, worker processes) and under which memory budget. A configuration
// measured with other settings counts as another configuration.
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
// given statuses, the status of its latest such run.
func (db *DB) Completed(ctx context.Context, sw Software, statuses ...string) (map[RunKey]string, error) {
	if len(statuses) == 0 {
		return map[RunKey]string{}, nil
	}
	args := []any{sw.MachineID, sw.Backend, sw.MLXVersion, sw.MLXLMVersion}
	for _, s := range statuses {
		args = append(args, s)
	}
	rows, err := db.db.QueryContext(ctx, `
		SELECT model, precision, context_tokens, generate_tokens, batch_size, memory_limit_bytes,
		       weights, warmup, repeats, max(processes, 1), status
		FROM runs
		WHERE machine_id = ? AND backend = ? AND mlx_version = ? AND mlx_lm_version = ?
		  AND status IN (?`+strings.Repeat(",?", len(statuses)-1)+`)
		  AND NOT (status = 'oom' AND error LIKE ?)
		ORDER BY id`, append(args, unconfirmedOOM)...)
	if err != nil {
		return nil, fmt.Errorf("read measured configurations: %w", err)
	}
	defer rows.Close()
	done := map[RunKey]string{}
	for rows.Next() {
		var k RunKey
		var status string
		if err := rows.Scan(&k.Model, &k.Precision, &k.Context, &k.Generate, &k.Batch, &k.MemoryLimitBytes,
			&k.Weights, &k.Warmup, &k.Repeats, &k.Processes, &status); err != nil {
			return nil, fmt.Errorf("read measured configurations: %w", err)
		}
		done[k] = status // later rows win
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read measured configurations: %w", err)
	}
	return done, nil
}
