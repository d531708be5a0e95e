package storage

import (
	"context"
	"fmt"
	"strings"
)

// SpreadScope picks the earlier runs whose spread between worker processes speaks for a new run:
// ok runs with decode on one machine, backend and device, and optionally one model and batch size.
type SpreadScope struct {
	MachineID       int64
	Backend, Device string
	Model           string // "" for every model
	Batch           int    // 0 for every batch size
}

// ProcessMeans returns groups of decode tokens/s that each share one true mean: the process means
// of every run measured over several processes, and the means of single-process runs of one
// configuration (same model, weights, precision, shape, memory budget and software).
func (db *DB) ProcessMeans(ctx context.Context, s SpreadScope) ([][]float64, error) {
	where := []string{"status = 'ok'", "decode_tokens_per_sec IS NOT NULL", "machine_id = ?", "backend = ?", "device = ?"}
	args := []any{s.MachineID, s.Backend, s.Device}
	if s.Model != "" {
		where, args = append(where, "model = ?"), append(args, s.Model)
	}
	if s.Batch > 0 {
		where, args = append(where, "batch_size = ?"), append(args, s.Batch)
	}
	cond := strings.Join(where, " AND ")
	var groups [][]float64
	add := func(q string) error {
		rows, err := db.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var key, prev string
		for rows.Next() {
			var x float64
			if err := rows.Scan(&key, &x); err != nil {
				return err
			}
			if len(groups) == 0 || key != prev {
				groups = append(groups, nil)
				prev = key
			}
			groups[len(groups)-1] = append(groups[len(groups)-1], x)
		}
		return rows.Err()
	}
	multi := `SELECT CAST(samples.run_id AS TEXT), AVG(samples.decode_tokens_per_sec) FROM samples
		WHERE samples.decode_tokens_per_sec IS NOT NULL AND samples.run_id IN
			(SELECT id FROM runs WHERE processes > 1 AND ` + cond + `)
		GROUP BY samples.run_id, samples.process ORDER BY samples.run_id, samples.process`
	single := `SELECT model || char(31) || weights || char(31) || weights_path || char(31) || precision
			|| char(31) || context_tokens || char(31) || generate_tokens || char(31) || batch_size
			|| char(31) || memory_limit_bytes || char(31) || mlx_version || char(31) || mlx_lm_version AS k,
			decode_tokens_per_sec FROM runs WHERE processes = 1 AND ` + cond + ` ORDER BY k, id`
	if err := add(multi); err != nil {
		return nil, fmt.Errorf("read the spread of earlier runs: %w", err)
	}
	if err := add(single); err != nil {
		return nil, fmt.Errorf("read the spread of earlier runs: %w", err)
	}
	return groups, nil
}
