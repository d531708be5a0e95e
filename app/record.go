package app

import (
	"context"

	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/engine/power"
	"github.com/inferbench/inferbench/engine/sensors"
	"github.com/inferbench/inferbench/storage"
)

// Conditions are the machine's state around a run: thermal state at its start and end and the
// worst seen, the power source and low-power mode.
type Conditions struct {
	ThermalStart, ThermalEnd, ThermalWorst sensors.Thermal
	Power                                  sensors.Power
	LowPower                               sensors.Tri
}

// unknownConditions is what a run records when nothing was read.
var unknownConditions = Conditions{sensors.ThermalUnknown, sensors.ThermalUnknown, sensors.ThermalUnknown, sensors.PowerUnknown, sensors.Unknown}

// conditionsAround builds Conditions from readings taken before and after a run, and any taken
// during it.
func conditionsAround(readings ...sensors.Reading) Conditions {
	if len(readings) == 0 {
		return unknownConditions
	}
	first, last := readings[0], readings[len(readings)-1]
	c := Conditions{ThermalStart: first.Thermal, ThermalEnd: last.Thermal, ThermalWorst: first.Thermal,
		Power: last.Power, LowPower: last.LowPower}
	for _, r := range readings {
		if r.Thermal.Rank() > c.ThermalWorst.Rank() {
			c.ThermalWorst = r.Thermal
		}
		if r.Power == sensors.PowerBattery {
			c.Power = r.Power // once on battery, the run was on battery
		}
	}
	return c
}

// toRun maps an engine result onto the stored record, placing its decode under peakGBs (0 when
// unknown); record adds the conditions.
func toRun(res *engine.Result, peakGBs float64) *storage.Run {
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
		DecodeCIBasis: sum.Interval.Basis, DecodeCIDOF: sum.Interval.DOF,
		PeakMemoryBytes: sum.PeakMemoryBytes, RSSBytes: sum.RSSBytes,

		DurationMs:       float64(res.FinishedAt.Sub(res.StartedAt).Microseconds()) / 1000,
		MemoryLimitBytes: cfg.MemoryLimit,
		Processes:        max(1, sum.Processes),
		Stability:        sum.Stability,
		PrefillMs:        sum.PrefillMs,
	}
	if l := res.Loaded; l != nil {
		run.Weights = l.Weights
		run.Architecture = l.Architecture
		run.Params, run.WeightBytes = l.Params, l.WeightBytes
		if l.WeightsPath != nil {
			run.WeightsPath = *l.WeightsPath
		}
		if l.Layers > 0 {
			layers, kv := int64(l.Layers), l.KVBytesPerToken
			run.Layers, run.KVBytesPerToken = &layers, &kv
		}
		if sum.DecodeMsPerToken != nil {
			if r, ok := engine.RooflineOf(l.WeightBytes, l.KVBytesPerToken, cfg, *sum.DecodeMsPerToken, peakGBs); ok {
				run.DecodeBytesPerStep, run.AchievedBandwidthGBs = &r.BytesPerStep, &r.AchievedBandwidthGBs
				run.DecodeBound = r.Bound
				if peakGBs > 0 {
					run.PeakBandwidthGBs, run.BandwidthShare = &r.PeakBandwidthGBs, &r.Share
				}
			}
		}
	}
	for _, s := range res.Samples {
		run.Samples = append(run.Samples, storage.Sample{Rep: s.Rep, TTFTMs: s.TTFTMs,
			PrefillTokensPerSec: s.PrefillTokensPerSec, DecodeMs: s.DecodeMs,
			DecodeTokensPerSec: s.DecodeTokensPerSec, PeakMemoryBytes: s.PeakMemoryBytes,
			RSSBytes: s.RSSBytes, TokenLatenciesMs: s.TokenLatenciesMs, Process: s.Process,
			PrefillMs: &s.PrefillMs})
	}
	return run
}

// withHistory widens the run's decode interval by the spread between worker processes that
// earlier runs on this machine showed (engine.RerunInterval): those of the same model and batch
// size when they are enough, else those of any configuration. Without such runs the interval
// rests on the run alone.
func withHistory(ctx context.Context, db *storage.DB, run *storage.Run, res *engine.Result) error {
	if run.DecodeTokensPerSecCI95 == nil {
		return nil
	}
	scope := storage.SpreadScope{MachineID: run.MachineID, Backend: run.Backend, Device: run.Device,
		Model: run.Model, Batch: run.Batch}
	var prior engine.Spread
	for _, s := range []storage.SpreadScope{scope, {MachineID: scope.MachineID, Backend: scope.Backend, Device: scope.Device}} {
		groups, err := db.ProcessMeans(ctx, s)
		if err != nil {
			return err
		}
		if prior = engine.PoolSpread(groups); prior.DOF >= engine.MinSpreadDOF {
			break
		}
	}
	if prior.DOF < engine.MinSpreadDOF {
		return nil
	}
	procs, reps := engine.DecodeUnits(res.Samples)
	if iv, ok := engine.RerunInterval(procs, reps, prior); ok {
		run.DecodeTokensPerSecCI95, run.DecodeCIBasis, run.DecodeCIDOF = &iv.HalfWidth, iv.Basis, iv.DOF
	}
	return nil
}

// withCost adds what the run cost and how its clocks went; nil (nothing metered) stores the
// meter as unknown.
func withCost(run *storage.Run, c *power.Summary) {
	run.PowerSourceMeter = power.SourceUnknown
	if c == nil {
		return
	}
	run.PowerSourceMeter = c.Source
	run.EnergyJ, run.JoulesPerToken = c.EnergyJ, c.JoulesPerToken
	run.PrefillWatts, run.DecodeWatts = c.PrefillWatts, c.DecodeWatts
	if c.CPU != nil {
		run.CPUClockMHzMin, run.CPUClockMHzMedian, run.CPUClockMHzMax = &c.CPU.Min, &c.CPU.Median, &c.CPU.Max
	}
	if c.GPU != nil {
		run.GPUClockMHzMin, run.GPUClockMHzMedian, run.GPUClockMHzMax = &c.GPU.Min, &c.GPU.Median, &c.GPU.Max
	}
	run.Throttled = c.Throttled
	for i := range run.Samples {
		if i < len(c.Reps) {
			run.Samples[i].EnergyJ, run.Samples[i].JoulesPerToken = c.Reps[i].EnergyJ, c.Reps[i].JoulesPerToken
		}
	}
}

// StorageMachine is the machine as storage records it.
func StorageMachine(m engine.Machine) storage.Machine {
	return storage.Machine{Chip: m.Chip, Cores: m.Cores, MemoryBytes: m.MemoryBytes, OS: m.OS,
		OSVersion: m.OSVersion, Arch: m.Arch, Hostname: m.Hostname}
}

// FirstLine is the first line of s, for one-line status and progress output.
func FirstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
