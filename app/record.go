package app

import (
	"context"
	"fmt"

	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// record stores a result and its machine in one go and returns the stored run.
func record(ctx context.Context, db *storage.DB, m engine.Machine, res *engine.Result) (*storage.Run, error) {
	machineID, err := db.UpsertMachine(ctx, storage.Machine{Chip: m.Chip, Cores: m.Cores,
		MemoryBytes: m.MemoryBytes, OS: m.OS, OSVersion: m.OSVersion, Arch: m.Arch, Hostname: m.Hostname})
	if err != nil {
		return nil, fmt.Errorf("store machine: %w", err)
	}
	run := toRun(res)
	run.MachineID = machineID
	id, err := db.InsertRun(ctx, run)
	if err != nil {
		return nil, fmt.Errorf("store run: %w", err)
	}
	run.ID = id
	return run, nil
}

// toRun maps an engine result onto the stored record. Sensors arrive with the background
// scheduler; until then the power and thermal fields say "unknown".
func toRun(res *engine.Result) *storage.Run {
	cfg, sum := res.Config, res.Summary
	run := &storage.Run{
		CreatedAt:   res.StartedAt,
		Model:       res.Model.Arg,
		ModelSource: res.Model.Source,
		Precision:   cfg.Precision,
		Weights:     cfg.Weights,
		Context:     cfg.Context, Generate: cfg.Generate, Batch: cfg.Batch,
		Warmup: cfg.Warmup, Repeats: cfg.Repeats,
		Status: res.Status, Error: res.Error,
		Backend: res.Hello.Backend, Device: res.Hello.Device,
		MLXVersion: res.Hello.MLX, MLXLMVersion: res.Hello.MLXLM, PythonVersion: res.Hello.Python,
		Protocol: res.Hello.Protocol,

		TTFTMs: sum.TTFTMs, PrefillTokensPerSec: sum.PrefillTokensPerSec,
		DecodeMsPerToken: sum.DecodeMsPerToken, DecodeMsPerTokenMean: sum.DecodeMsPerTokenMean,
		DecodeMsPerTokenStd: sum.DecodeMsPerTokenStd, DecodeMsPerTokenP95: sum.DecodeMsPerTokenP95,
		DecodeTokensPerSec: sum.DecodeTokensPerSec, DecodeTokensPerSecCI95: sum.DecodeTokensPerSecCI95,
		PeakMemoryBytes: sum.PeakMemoryBytes, RSSBytes: sum.RSSBytes,

		ThermalStart: "unknown", ThermalEnd: "unknown", ThermalWorst: "unknown",
		PowerSource: "unknown", LowPower: "unknown",
		DurationMs:       float64(res.FinishedAt.Sub(res.StartedAt).Microseconds()) / 1000,
		MemoryLimitBytes: cfg.MemoryLimit,
	}
	if l := res.Loaded; l != nil {
		run.Weights = l.Weights
		run.Architecture = l.Architecture
		run.Params, run.WeightBytes = l.Params, l.WeightBytes
		if l.WeightsPath != nil {
			run.WeightsPath = *l.WeightsPath
		}
	}
	for _, s := range res.Samples {
		run.Samples = append(run.Samples, storage.Sample{Rep: s.Rep, TTFTMs: s.TTFTMs,
			PrefillTokensPerSec: s.PrefillTokensPerSec, DecodeMs: s.DecodeMs,
			DecodeTokensPerSec: s.DecodeTokensPerSec, PeakMemoryBytes: s.PeakMemoryBytes,
			RSSBytes: s.RSSBytes, TokenLatenciesMs: s.TokenLatenciesMs})
	}
	return run
}
