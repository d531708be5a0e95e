package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/inferbench/inferbench/engine"
	"github.com/mattn/go-sqlite3"
)

// Run statuses: how a measurement ended, as the engine defines them.
const (
	StatusOK          = engine.StatusOK
	StatusOOM         = engine.StatusOOM
	StatusCrash       = engine.StatusCrash
	StatusTimeout     = engine.StatusTimeout
	StatusError       = engine.StatusError
	StatusInterrupted = engine.StatusInterrupted
	StatusSkipped     = engine.StatusSkipped
	StatusKilled      = engine.StatusKilled
)

var statuses = []string{StatusOK, StatusOOM, StatusCrash, StatusTimeout, StatusError, StatusInterrupted, StatusSkipped, StatusKilled}

// Statuses lists every status a stored run can have: the one list that help texts and
// --status checks read.
func Statuses() []string { return slices.Clone(statuses) }

// Run is one measured configuration: what was asked, what ran it, how it
// ended and the aggregates over its repetitions. Aggregates are nil when
// there is nothing to aggregate (a failed run, or no decode with generate 1).
type Run struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"` // UTC, millisecond precision once stored
	MachineID int64     `json:"machine_id"`

	Model        string `json:"model"`
	ModelSource  string `json:"model_source"` // catalog, path or hf
	Weights      string `json:"weights"`      // random or checkpoint
	WeightsPath  string `json:"weights_path"`
	Architecture string `json:"architecture"`
	Params       int64  `json:"params"`
	WeightBytes  int64  `json:"weight_bytes"`
	Precision    string `json:"precision"`

	Context  int `json:"context_tokens"`
	Generate int `json:"generate_tokens"`
	Batch    int `json:"batch_size"`
	Warmup   int `json:"warmup"`
	Repeats  int `json:"repeats"` // requested; Samples holds those that completed

	Status string `json:"status"` // one of the Status constants
	Error  string `json:"error"`

	Backend       string `json:"backend"`
	Device        string `json:"device"`
	MLXVersion    string `json:"mlx_version"`
	MLXLMVersion  string `json:"mlx_lm_version"`
	PythonVersion string `json:"python_version"`
	Protocol      int    `json:"protocol"`

	TTFTMs                 *float64 `json:"ttft_ms"`                // median
	PrefillTokensPerSec    *float64 `json:"prefill_tokens_per_sec"` // median
	DecodeMsPerToken       *float64 `json:"decode_ms_per_token"`    // median of per-token latencies
	DecodeMsPerTokenMean   *float64 `json:"decode_ms_per_token_mean"`
	DecodeMsPerTokenStd    *float64 `json:"decode_ms_per_token_std"`
	DecodeMsPerTokenP95    *float64 `json:"decode_ms_per_token_p95"`
	DecodeTokensPerSec     *float64 `json:"decode_tokens_per_sec"`      // mean
	DecodeTokensPerSecCI95 *float64 `json:"decode_tokens_per_sec_ci95"` // half-width
	DecodeCIBasis          string   `json:"decode_ci_basis"`            // repetitions, processes or history
	DecodeCIDOF            int      `json:"decode_ci_dof"`              // degrees of freedom behind it
	PeakMemoryBytes        *int64   `json:"peak_memory_bytes"`          // max over repetitions
	RSSBytes               *int64   `json:"rss_bytes"`                  // max over repetitions

	ThermalStart string  `json:"thermal_start"`
	ThermalEnd   string  `json:"thermal_end"`
	ThermalWorst string  `json:"thermal_worst"`
	PowerSource  string  `json:"power_source"`
	LowPower     string  `json:"low_power"`   // "true", "false" or "unknown"
	DurationMs   float64 `json:"duration_ms"` // wall time of the measurement

	MemoryLimitBytes int64 `json:"memory_limit_bytes"` // the budget it ran under; 0 for none

	Processes int      `json:"processes"`  // worker processes the repetitions were split over
	Stability string   `json:"stability"`  // "stable", "level shift", or "" with too few repetitions
	PrefillMs *float64 `json:"prefill_ms"` // median time of every prompt token but the last

	Layers               *int64   `json:"layers"`
	KVBytesPerToken      *int64   `json:"kv_bytes_per_token"`
	DecodeBytesPerStep   *int64   `json:"decode_bytes_per_step"`
	AchievedBandwidthGBs *float64 `json:"achieved_bandwidth_gbs"`
	PeakBandwidthGBs     *float64 `json:"peak_bandwidth_gbs"`
	BandwidthShare       *float64 `json:"bandwidth_share"`
	DecodeBound          string   `json:"decode_bound"` // "dispatch", "bandwidth" or "" when unknown

	EnergyJ           *float64 `json:"energy_j"`           // over the measured repetitions
	JoulesPerToken    *float64 `json:"joules_per_token"`   // energy over generated tokens
	PrefillWatts      *float64 `json:"prefill_watts"`      // average draw during prefill
	DecodeWatts       *float64 `json:"decode_watts"`       // average draw during decode
	PowerSourceMeter  string   `json:"power_source_meter"` // ioreport, nvml, nvidia-smi, rapl or unknown
	CPUClockMHzMin    *float64 `json:"cpu_clock_mhz_min"`
	CPUClockMHzMedian *float64 `json:"cpu_clock_mhz_median"`
	CPUClockMHzMax    *float64 `json:"cpu_clock_mhz_max"`
	GPUClockMHzMin    *float64 `json:"gpu_clock_mhz_min"`
	GPUClockMHzMedian *float64 `json:"gpu_clock_mhz_median"`
	GPUClockMHzMax    *float64 `json:"gpu_clock_mhz_max"`
	Throttled         bool     `json:"throttled"` // a clock fell more than 10% below its start
	// UID identifies the run across databases: import keys on it. InsertRun draws one when
	// it is empty.
	UID string `json:"run_uid"`

	// Machine is the machine that measured the run, as Run and Runs read it; InsertRun goes by
	// MachineID alone.
	Machine StoredMachine `json:"-"`

	Samples []Sample `json:"samples,omitempty"`
}

// Sample is one measured repetition of a run.
type Sample struct {
	Rep                 int       `json:"rep"`
	TTFTMs              float64   `json:"ttft_ms"`
	PrefillTokensPerSec float64   `json:"prefill_tokens_per_sec"`
	DecodeMs            float64   `json:"decode_ms"`
	DecodeTokensPerSec  *float64  `json:"decode_tokens_per_sec"` // nil without decode (generate 1)
	PeakMemoryBytes     int64     `json:"peak_memory_bytes"`
	RSSBytes            int64     `json:"rss_bytes"`
	TokenLatenciesMs    []float64 `json:"token_latencies_ms"`
	Process             int       `json:"process"`
	PrefillMs           *float64  `json:"prefill_ms"`
	EnergyJ             *float64  `json:"energy_j"`
	JoulesPerToken      *float64  `json:"joules_per_token"`
}

func (r *Run) columns() ([]string, []any) {
	fields := []struct {
		name string
		ptr  any
	}{
		{"created_at", timestamp{&r.CreatedAt}},
		{"machine_id", &r.MachineID},
		{"model", &r.Model},
		{"model_source", &r.ModelSource},
		{"weights", &r.Weights},
		{"weights_path", &r.WeightsPath},
		{"architecture", &r.Architecture},
		{"params", &r.Params},
		{"weight_bytes", &r.WeightBytes},
		{"precision", &r.Precision},
		{"context_tokens", &r.Context},
		{"generate_tokens", &r.Generate},
		{"batch_size", &r.Batch},
		{"warmup", &r.Warmup},
		{"repeats", &r.Repeats},
		{"status", &r.Status},
		{"error", &r.Error},
		{"backend", &r.Backend},
		{"device", &r.Device},
		{"mlx_version", &r.MLXVersion},
		{"mlx_lm_version", &r.MLXLMVersion},
		{"python_version", &r.PythonVersion},
		{"protocol", &r.Protocol},
		{"ttft_ms", &r.TTFTMs},
		{"prefill_tokens_per_sec", &r.PrefillTokensPerSec},
		{"decode_ms_per_token", &r.DecodeMsPerToken},
		{"decode_ms_per_token_mean", &r.DecodeMsPerTokenMean},
		{"decode_ms_per_token_std", &r.DecodeMsPerTokenStd},
		{"decode_ms_per_token_p95", &r.DecodeMsPerTokenP95},
		{"decode_tokens_per_sec", &r.DecodeTokensPerSec},
		{"decode_tokens_per_sec_ci95", &r.DecodeTokensPerSecCI95},
		{"peak_memory_bytes", &r.PeakMemoryBytes},
		{"rss_bytes", &r.RSSBytes},
		{"thermal_start", &r.ThermalStart},
		{"thermal_end", &r.ThermalEnd},
		{"thermal_worst", &r.ThermalWorst},
		{"power_source", &r.PowerSource},
		{"low_power", &r.LowPower},
		{"duration_ms", &r.DurationMs},
		{"memory_limit_bytes", &r.MemoryLimitBytes},
		{"processes", &r.Processes},
		{"stability", &r.Stability},
		{"prefill_ms", &r.PrefillMs},
		{"layers", &r.Layers},
		{"kv_bytes_per_token", &r.KVBytesPerToken},
		{"decode_bytes_per_step", &r.DecodeBytesPerStep},
		{"achieved_bandwidth_gbs", &r.AchievedBandwidthGBs},
		{"peak_bandwidth_gbs", &r.PeakBandwidthGBs},
		{"bandwidth_share", &r.BandwidthShare},
		{"decode_bound", &r.DecodeBound},
		{"energy_j", &r.EnergyJ},
		{"joules_per_token", &r.JoulesPerToken},
		{"prefill_watts", &r.PrefillWatts},
		{"decode_watts", &r.DecodeWatts},
		{"power_source_meter", &r.PowerSourceMeter},
		{"cpu_clock_mhz_min", &r.CPUClockMHzMin},
		{"cpu_clock_mhz_median", &r.CPUClockMHzMedian},
		{"cpu_clock_mhz_max", &r.CPUClockMHzMax},
		{"gpu_clock_mhz_min", &r.GPUClockMHzMin},
		{"gpu_clock_mhz_median", &r.GPUClockMHzMedian},
		{"gpu_clock_mhz_max", &r.GPUClockMHzMax},
		{"throttled", &r.Throttled},
		{"decode_ci_basis", &r.DecodeCIBasis},
		{"decode_ci_dof", &r.DecodeCIDOF},
		{"uid", &r.UID},
	}
	names := make([]string, len(fields))
	ptrs := make([]any, len(fields))
	for i, f := range fields {
		names[i], ptrs[i] = f.name, f.ptr
	}
	return names, ptrs
}

// selectColumns are the columns Run and Runs read: the run's, then its machine's.
func (r *Run) selectColumns() (string, []any) {
	names, ptrs := r.columns()
	m := &r.Machine
	var b strings.Builder
	b.WriteString("runs.id")
	for _, n := range names {
		b.WriteString(", runs." + n)
	}
	b.WriteString(", machines.id, machines.fingerprint, machines.chip, machines.cores, machines.memory_bytes, machines.os, machines.os_version, machines.arch, machines.hostname")
	return b.String(), append(append([]any{&r.ID}, ptrs...), &m.ID, &m.Fingerprint, &m.Chip, &m.Cores, &m.MemoryBytes, &m.OS, &m.OSVersion, &m.Arch, &m.Hostname)
}

// runsFrom joins each run to its machine.
const runsFrom = " FROM runs JOIN machines ON machines.id = runs.machine_id"

// columns is Run.columns for the samples table (without id and run_id).
func (s *Sample) columns() ([]string, []any) {
	return []string{
			"rep", "ttft_ms", "prefill_tokens_per_sec", "decode_ms", "decode_tokens_per_sec",
			"peak_memory_bytes", "rss_bytes", "token_latencies_ms", "process", "prefill_ms",
			"energy_j", "joules_per_token",
		}, []any{
			&s.Rep, &s.TTFTMs, &s.PrefillTokensPerSec, &s.DecodeMs, &s.DecodeTokensPerSec,
			&s.PeakMemoryBytes, &s.RSSBytes, floatList{&s.TokenLatenciesMs}, &s.Process, &s.PrefillMs,
			&s.EnergyJ, &s.JoulesPerToken,
		}
}

// InsertRun stores the run and all its samples in one transaction: either
// all of it is written or none of it. It sets run.ID, and run.CreatedAt to
// the current time when it is zero; CreatedAt is kept in UTC to the
// millisecond, and run is updated to hold exactly what was stored.
func (db *DB) InsertRun(ctx context.Context, run *Run) (int64, error) {
	stored, err := prepare(run)
	if err != nil {
		return 0, fmt.Errorf("save run: %w", err)
	}

	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("save run: %w", err)
	}
	defer tx.Rollback()
	id, err := insertRunTx(ctx, tx, &stored)
	if err != nil {
		return 0, fmt.Errorf("save run: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("save run: %w", err)
	}
	run.ID = id
	run.CreatedAt = stored.CreatedAt
	run.UID, run.PowerSourceMeter = stored.UID, stored.PowerSourceMeter
	return id, nil
}

// prepare validates a run and fills in what InsertRun defaults: the time, the uid, the meter.
func prepare(run *Run) (Run, error) {
	if err := run.validate(); err != nil {
		return Run{}, err
	}
	stored := *run
	if stored.CreatedAt.IsZero() {
		stored.CreatedAt = time.Now()
	}
	stored.CreatedAt = stored.CreatedAt.UTC().Truncate(time.Millisecond)
	if stored.UID == "" {
		stored.UID = newUID()
	}
	if stored.PowerSourceMeter == "" {
		stored.PowerSourceMeter = "unknown"
	}
	return stored, nil
}

// insertRunTx writes a validated run and its samples within tx and returns its id.
func insertRunTx(ctx context.Context, tx *sql.Tx, stored *Run) (int64, error) {
	names, args := stored.columns()
	res, err := tx.ExecContext(ctx, insertSQL("runs", names), args...)
	if isConstraint(err, sqlite3.ErrConstraintForeignKey) {
		return 0, fmt.Errorf("machine %d is not in the database: %w", stored.MachineID, err)
	}
	if isConstraint(err, sqlite3.ErrConstraintUnique) {
		return 0, fmt.Errorf("a run with uid %s is already stored: %w", stored.UID, ErrDuplicate)
	}
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if len(stored.Samples) > 0 {
		var s Sample
		names, _ := s.columns()
		stmt, err := tx.PrepareContext(ctx, insertSQL("samples", append([]string{"run_id"}, names...)))
		if err != nil {
			return 0, err
		}
		defer stmt.Close()
		for i := range stored.Samples {
			_, args := stored.Samples[i].columns()
			_, err := stmt.ExecContext(ctx, append([]any{id}, args...)...)
			if isConstraint(err, sqlite3.ErrConstraintUnique) {
				return 0, fmt.Errorf("two samples of repetition %d: %w", stored.Samples[i].Rep, err)
			}
			if err != nil {
				return 0, fmt.Errorf("sample of repetition %d: %w", stored.Samples[i].Rep, err)
			}
		}
	}
	return id, nil
}

func insertSQL(table string, names []string) string {
	return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")"
}

// validate catches what the schema would store wrongly or reject with an
// unhelpful message.
func (r *Run) validate() error {
	if r.MachineID == 0 {
		return errors.New("the run has no machine: call UpsertMachine first")
	}
	known := false
	for _, s := range statuses {
		known = known || r.Status == s
	}
	if !known {
		return fmt.Errorf("unknown status %q (want one of %s)", r.Status, strings.Join(statuses, ", "))
	}
	// SQLite stores NaN as NULL, and JSON has no NaN or infinity: refuse them
	// rather than store something else than what was measured.
	finite := map[string]*float64{
		"duration_ms":                &r.DurationMs,
		"ttft_ms":                    r.TTFTMs,
		"prefill_tokens_per_sec":     r.PrefillTokensPerSec,
		"decode_ms_per_token":        r.DecodeMsPerToken,
		"decode_ms_per_token_mean":   r.DecodeMsPerTokenMean,
		"decode_ms_per_token_std":    r.DecodeMsPerTokenStd,
		"decode_ms_per_token_p95":    r.DecodeMsPerTokenP95,
		"decode_tokens_per_sec":      r.DecodeTokensPerSec,
		"decode_tokens_per_sec_ci95": r.DecodeTokensPerSecCI95,
		"energy_j":                   r.EnergyJ,
		"joules_per_token":           r.JoulesPerToken,
		"prefill_watts":              r.PrefillWatts,
		"decode_watts":               r.DecodeWatts,
	}
	for name, v := range finite {
		if v != nil && !isFinite(*v) {
			return fmt.Errorf("%s is %v, not a finite number", name, *v)
		}
	}
	for _, s := range r.Samples {
		finite := map[string]*float64{
			"ttft_ms":                &s.TTFTMs,
			"prefill_tokens_per_sec": &s.PrefillTokensPerSec,
			"decode_ms":              &s.DecodeMs,
			"decode_tokens_per_sec":  s.DecodeTokensPerSec,
			"energy_j":               s.EnergyJ,
			"joules_per_token":       s.JoulesPerToken,
		}
		for name, v := range finite {
			if v != nil && !isFinite(*v) {
				return fmt.Errorf("sample of repetition %d: %s is %v, not a finite number", s.Rep, name, *v)
			}
		}
		for _, v := range s.TokenLatenciesMs {
			if !isFinite(v) {
				return fmt.Errorf("sample of repetition %d: a token latency is %v, not a finite number", s.Rep, v)
			}
		}
	}
	return nil
}

func isConstraint(err error, code sqlite3.ErrNoExtended) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == code
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
