package storage

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "inferbench.db"))
}

func openAt(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testMachine() Machine {
	return Machine{
		Chip:        "Apple M3 Pro",
		Cores:       12,
		MemoryBytes: 36 << 30,
		OS:          "darwin",
		OSVersion:   "15.1",
		Arch:        "arm64",
		Hostname:    "studio.local",
	}
}

func upsertTestMachine(t *testing.T, db *DB) int64 {
	t.Helper()
	id, err := db.UpsertMachine(context.Background(), testMachine())
	if err != nil {
		t.Fatalf("UpsertMachine: %v", err)
	}
	return id
}

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

// fullRun returns a successful run in which every field holds a distinct
// non-zero value, so that a column mix-up or a forgotten column shows.
func fullRun(machineID int64) *Run {
	return &Run{
		CreatedAt:              time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC),
		MachineID:              machineID,
		Model:                  "gpt2",
		ModelSource:            "catalog",
		Weights:                "checkpoint",
		WeightsPath:            "/models/gpt2",
		Architecture:           "gpt2",
		Params:                 124439808,
		WeightBytes:            79626240,
		Precision:              "int4-g128",
		Context:                128,
		Generate:               32,
		Batch:                  2,
		Warmup:                 1,
		Repeats:                3,
		Status:                 StatusOK,
		Error:                  "worker warned: slow disk",
		Backend:                "metal",
		Device:                 "Apple M3 Pro",
		MLXVersion:             "0.32.4",
		MLXLMVersion:           "0.32.2",
		PythonVersion:          "3.11.7",
		Protocol:               1,
		TTFTMs:                 f64(41.25),
		PrefillTokensPerSec:    f64(3106.75),
		DecodeMsPerToken:       f64(9.875),
		DecodeMsPerTokenMean:   f64(10.0625),
		DecodeMsPerTokenStd:    f64(0.4375),
		DecodeMsPerTokenP95:    f64(11.5),
		DecodeTokensPerSec:     f64(99.5),
		DecodeTokensPerSecCI95: f64(2.25),
		PeakMemoryBytes:        i64(301_000_000),
		RSSBytes:               i64(512_000_000),
		ThermalStart:           "nominal",
		ThermalEnd:             "fair",
		ThermalWorst:           "serious",
		PowerSource:            "ac",
		LowPower:               "false",
		DurationMs:             2210.4,
		MemoryLimitBytes:       16 << 30,
		Processes:              3,
		Stability:              "level shift",
		PrefillMs:              f64(38.5),
		Layers:                 i64(12),
		KVBytesPerToken:        i64(36864),
		DecodeBytesPerStep:     i64(89_000_000),
		AchievedBandwidthGBs:   f64(9.0125),
		PeakBandwidthGBs:       f64(150),
		BandwidthShare:         f64(0.0600833),
		DecodeBound:            "dispatch",
		EnergyJ:                f64(412.5),
		JoulesPerToken:         f64(2.125),
		PrefillWatts:           f64(55.25),
		DecodeWatts:            f64(48.5),
		PowerSourceMeter:       "ioreport",
		CPUClockMHzMin:         f64(3228),
		CPUClockMHzMedian:      f64(3504),
		CPUClockMHzMax:         f64(4056),
		GPUClockMHzMin:         f64(1000),
		GPUClockMHzMedian:      f64(1398),
		GPUClockMHzMax:         f64(1398),
		Throttled:              true,
		DecodeCIBasis:          "history",
		DecodeCIDOF:            14,
		UID:                    newUID(),
		Samples: []Sample{
			{Rep: 0, TTFTMs: 41.2, PrefillTokensPerSec: 3106.8, DecodeMs: 310, DecodeTokensPerSec: f64(100),
				PeakMemoryBytes: 301_000_000, RSSBytes: 512_000_000, TokenLatenciesMs: []float64{10.1, 9.9, 10}, Process: 0, PrefillMs: f64(38.25), EnergyJ: f64(140), JoulesPerToken: f64(2.25)},
			{Rep: 1, TTFTMs: 40.9, PrefillTokensPerSec: 3130.1, DecodeMs: 305.5, DecodeTokensPerSec: f64(101.5),
				PeakMemoryBytes: 300_500_000, RSSBytes: 511_000_000, TokenLatenciesMs: []float64{9.8, 9.7, 0.000123}, Process: 1, PrefillMs: f64(38.5), EnergyJ: f64(132.5), JoulesPerToken: f64(2.0625)},
			{Rep: 2, TTFTMs: 42.7, PrefillTokensPerSec: 2998.4, DecodeMs: 320.25, DecodeTokensPerSec: f64(96.9),
				PeakMemoryBytes: 300_900_000, RSSBytes: 510_000_000, TokenLatenciesMs: []float64{10.4, 1e6, 10.6}, Process: 2, PrefillMs: f64(39.75), EnergyJ: f64(140), JoulesPerToken: f64(2.0625)},
		},
	}
}

func insertRun(t *testing.T, db *DB, r *Run) int64 {
	t.Helper()
	id, err := db.InsertRun(context.Background(), r)
	if err != nil {
		t.Fatalf("InsertRun: %v", err)
	}
	return id
}

func count(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
