package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/inferbench/inferbench/storage"
)

// Column is one field of a row, and the one home of what a reader is told about it: its name
// in json, jsonl, csv and md, its type and unit, its header in the table `inferbench run`
// prints, and its entry in the data dictionary (docs/data.md, which TestDataDictionary keeps
// equal to Dictionary's rendering). One list per kind of row drives every format, so they never
// disagree on names or order.
type Column[T any] struct {
	Name      string // the unit is in the name: _ms, _bytes, _per_sec
	Type      string // integer, number, text or list of numbers
	Unit      string
	Label     string // the header in the table for a person, when it has one there
	Meaning   string
	EmptyWhen string
	Value     func(*T) any // nil for "no value"
}

// RunColumns are the columns of a run.
func RunColumns() []Column[storage.Run] {
	f := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	i := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	cols := []Column[storage.Run]{
		{Name: "run_id", Type: "integer",
			Meaning:   "the run's id in the database (`runs.id`)",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.ID }},
		{Name: "created_at", Type: "text",
			Meaning:   "when the measurement started, RFC 3339 in UTC to the second (`2026-01-02T15:04:05Z`)",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.CreatedAt.UTC().Format(time.RFC3339) }},
		{Name: "model", Type: "text",
			Meaning:   "the model as given: a catalog name, a checkpoint folder or a Hugging Face id",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Model }},
		{Name: "model_source", Type: "text",
			Meaning:   "`catalog`, `path` or `hf`",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.ModelSource }},
		{Name: "architecture", Type: "text",
			Meaning:   "the model's architecture (`gpt2`, `llama`, …)",
			EmptyWhen: "the model did not load",
			Value:     func(r *storage.Run) any { return r.Architecture }},
		{Name: "weights", Type: "text", Label: "weights",
			Meaning:   "`random` (the exact architecture with random weights) or `checkpoint`",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Weights }},
		{Name: "params", Type: "integer", Unit: "parameters",
			Meaning:   "logical parameters, counted before quantization",
			EmptyWhen: "0 when the model did not load",
			Value:     func(r *storage.Run) any { return r.Params }},
		{Name: "weight_bytes", Type: "integer", Unit: "bytes",
			Meaning:   "in-memory size of all parameters at this precision, quantization scales included",
			EmptyWhen: "0 when the model did not load",
			Value:     func(r *storage.Run) any { return r.WeightBytes }},
		{Name: "precision", Type: "text",
			Meaning:   "`fp32`, `fp16`, `bf16`, or a quantized precision such as `int4` or `int4-g128`",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Precision }},
		{Name: "context", Type: "integer", Unit: "tokens",
			Meaning:   "prompt tokens per sequence",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Context }},
		{Name: "generate", Type: "integer", Unit: "tokens",
			Meaning:   "new tokens per sequence; the first comes out of prefill",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Generate }},
		{Name: "batch", Type: "integer", Unit: "sequences",
			Meaning:   "sequences decoded together",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Batch }},
		{Name: "warmup", Type: "integer", Unit: "repetitions",
			Meaning:   "unmeasured repetitions before the measured ones",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Warmup }},
		{Name: "repeats", Type: "integer", Unit: "repetitions",
			Meaning:   "measured repetitions asked for",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Repeats }},
		{Name: "status", Type: "text", Label: "status",
			Meaning:   "how the run ended: see Statuses",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Status }},
		{Name: "error", Type: "text", Label: "error",
			Meaning:   "why the run failed",
			EmptyWhen: "status `ok`",
			Value:     func(r *storage.Run) any { return r.Error }},
		{Name: "backend", Type: "text", Label: "backend",
			Meaning:   "MLX backend: `metal`, `cuda` or `cpu`",
			EmptyWhen: "the worker never started",
			Value:     func(r *storage.Run) any { return r.Backend }},
		{Name: "device", Type: "text",
			Meaning:   "the chip, GPU or CPU that ran it",
			EmptyWhen: "the worker never started",
			Value:     func(r *storage.Run) any { return r.Device }},
		{Name: "machine_fingerprint", Type: "text",
			Meaning:   "the machine that measured it: a SHA-256 over its chip, cores, memory, OS, OS version, architecture and hostname, the key `import` merges machines by",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Machine.Fingerprint }},
		{Name: "hostname", Type: "text",
			Meaning:   "that machine's hostname",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Machine.Hostname }},
		{Name: "chip", Type: "text",
			Meaning:   "that machine's chip or CPU (`Apple M3 Pro`, `AMD EPYC 7B13`)",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Machine.Chip }},
		{Name: "os_version", Type: "text",
			Meaning:   "that machine's OS and version (`darwin 15.1`, `linux 6.8.0`)",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return strings.TrimSpace(r.Machine.OS + " " + r.Machine.OSVersion) }},
		{Name: "mlx_version", Type: "text",
			Meaning:   "MLX version",
			EmptyWhen: "the worker never started",
			Value:     func(r *storage.Run) any { return r.MLXVersion }},
		{Name: "mlx_lm_version", Type: "text",
			Meaning:   "mlx-lm version",
			EmptyWhen: "the worker never started",
			Value:     func(r *storage.Run) any { return r.MLXLMVersion }},
		{Name: "python_version", Type: "text",
			Meaning:   "Python version of the worker",
			EmptyWhen: "the worker never started",
			Value:     func(r *storage.Run) any { return r.PythonVersion }},
		{Name: "ttft_ms", Type: "number", Unit: "ms", Label: "time to first token",
			Meaning:   "time to first token, median over repetitions: prefill of the whole prompt up to the first generated token",
			EmptyWhen: "not `ok`",
			Value:     func(r *storage.Run) any { return f(r.TTFTMs) }},
		{Name: "prefill_tokens_per_sec", Type: "number", Unit: "tokens/s", Label: "prefill",
			Meaning:   "`batch × context / ttft`, median over repetitions",
			EmptyWhen: "not `ok`",
			Value:     func(r *storage.Run) any { return f(r.PrefillTokensPerSec) }},
		{Name: "decode_ms_per_token", Type: "number", Unit: "ms", Label: "decode",
			Meaning:   "median time between successive generated tokens, over every token of every repetition",
			EmptyWhen: "not `ok`; generate 1",
			Value:     func(r *storage.Run) any { return f(r.DecodeMsPerToken) }},
		{Name: "decode_ms_per_token_mean", Type: "number", Unit: "ms",
			Meaning:   "mean of the same latencies",
			EmptyWhen: "not `ok`; generate 1",
			Value:     func(r *storage.Run) any { return f(r.DecodeMsPerTokenMean) }},
		{Name: "decode_ms_per_token_std", Type: "number", Unit: "ms",
			Meaning:   "standard deviation of the same latencies (0 for a single latency)",
			EmptyWhen: "not `ok`; generate 1",
			Value:     func(r *storage.Run) any { return f(r.DecodeMsPerTokenStd) }},
		{Name: "decode_ms_per_token_p95", Type: "number", Unit: "ms",
			Meaning:   "95th percentile of the same latencies (linear interpolation, as numpy and pandas)",
			EmptyWhen: "not `ok`; generate 1",
			Value:     func(r *storage.Run) any { return f(r.DecodeMsPerTokenP95) }},
		{Name: "decode_tokens_per_sec", Type: "number", Unit: "tokens/s", Label: "decode throughput",
			Meaning:   "`batch × (generate − 1) / decode time`, mean over repetitions",
			EmptyWhen: "not `ok`; generate 1",
			Value:     func(r *storage.Run) any { return f(r.DecodeTokensPerSec) }},
		{Name: "decode_tokens_per_sec_ci95", Type: "number", Unit: "tokens/s",
			Meaning:   "half-width of the 95% interval that the mean of a rerun of the same design lands in (Student's t for the difference of two means); `decode_ci_basis` says what spread it rests on",
			EmptyWhen: "not `ok`; generate 1; fewer than 2 repetitions",
			Value:     func(r *storage.Run) any { return f(r.DecodeTokensPerSecCI95) }},
		{Name: "decode_ci_basis", Type: "text",
			Meaning:   "what `decode_tokens_per_sec_ci95` rests on: `history` (the run's processes pooled with the spread between processes of earlier runs on this machine, backend and device), `processes` (the run's own process means, `processes` 2 or more), or `repetitions` (one process's repetitions, which understate the spread a rerun meets)",
			EmptyWhen: "no interval",
			Value:     func(r *storage.Run) any { return r.DecodeCIBasis }},
		{Name: "decode_ci_dof", Type: "integer",
			Meaning:   "degrees of freedom of the spread behind `decode_tokens_per_sec_ci95`",
			EmptyWhen: "0 when there is no interval",
			Value:     func(r *storage.Run) any { return r.DecodeCIDOF }},
		{Name: "peak_memory_bytes", Type: "integer", Unit: "bytes", Label: "peak memory",
			Meaning:   "MLX peak memory, maximum over repetitions",
			EmptyWhen: "not `ok`",
			Value:     func(r *storage.Run) any { return i(r.PeakMemoryBytes) }},
		{Name: "rss_bytes", Type: "integer", Unit: "bytes",
			Meaning:   "the worker's resident set size at the end of a repetition, maximum over repetitions (on macOS the peak RSS)",
			EmptyWhen: "not `ok`",
			Value:     func(r *storage.Run) any { return i(r.RSSBytes) }},
		{Name: "thermal_state", Type: "text",
			Meaning:   "worst thermal state seen during the run: `nominal`, `fair`, `serious`, `critical`, `unknown` (a sensor that could not be read) or `absent` (the machine has no thermal sensor); runs at `serious` or worse are left out of fitting",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.ThermalWorst }},
		{Name: "power_source", Type: "text",
			Meaning:   "the machine's power source during the run: `ac`, `battery` or `unknown`",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.PowerSource }},
		{Name: "low_power", Type: "text",
			Meaning:   "whether low power mode was on: `true`, `false` or `unknown`",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.LowPower }},
		{Name: "duration_ms", Type: "number", Unit: "ms",
			Meaning:   "wall time of the whole measurement, warm-up included, and starting the worker and loading the model when that was needed",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.DurationMs }},
		{Name: "memory_limit_bytes", Type: "integer", Unit: "bytes",
			Meaning:   "the memory budget MLX was held to (`--memory-limit`); a run whose peak or weights exceed it is `oom`",
			EmptyWhen: "0 when there was no budget",
			Value:     func(r *storage.Run) any { return r.MemoryLimitBytes }},
		{Name: "processes", Type: "integer", Unit: "processes",
			Meaning:   "worker processes the repetitions were split over (`--processes`), each with its own warm-up; with 3 or more, `decode_tokens_per_sec_ci95` covers the spread between processes",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.Processes }},
		{Name: "stability", Type: "text",
			Meaning:   "`stable`, or `level shift` when the repetitions of one process fell into two levels (the run is shown as unstable)",
			EmptyWhen: "not `ok`; fewer than 3 repetitions per process",
			Value:     func(r *storage.Run) any { return r.Stability }},
		{Name: "prefill_ms", Type: "number", Unit: "ms",
			Meaning:   "median time of every prompt token but the last",
			EmptyWhen: "not `ok`",
			Value:     func(r *storage.Run) any { return f(r.PrefillMs) }},
		{Name: "layers", Type: "integer",
			Meaning:   "transformer layers of the loaded model",
			EmptyWhen: "the model did not load",
			Value:     func(r *storage.Run) any { return i(r.Layers) }},
		{Name: "kv_bytes_per_token", Type: "integer", Unit: "bytes",
			Meaning:   "KV cache bytes per token of one sequence, all layers",
			EmptyWhen: "the model did not load",
			Value:     func(r *storage.Run) any { return i(r.KVBytesPerToken) }},
		{Name: "decode_bytes_per_step", Type: "integer", Unit: "bytes",
			Meaning:   "bytes one decode step reads: every weight, and the KV cache of the batch at the mean position (`context + generate / 2`)",
			EmptyWhen: "not `ok`; generate 1",
			Value:     func(r *storage.Run) any { return i(r.DecodeBytesPerStep) }},
		{Name: "achieved_bandwidth_gbs", Type: "number", Unit: "GB/s", Label: "memory bandwidth",
			Meaning:   "`decode_bytes_per_step` over the median decode step",
			EmptyWhen: "not `ok`; generate 1",
			Value:     func(r *storage.Run) any { return f(r.AchievedBandwidthGBs) }},
		{Name: "peak_bandwidth_gbs", Type: "number", Unit: "GB/s",
			Meaning:   "the device's nominal memory bandwidth: Apple silicon and NVIDIA data-centre GPUs",
			EmptyWhen: "the device's is unknown (most CPUs)",
			Value:     func(r *storage.Run) any { return f(r.PeakBandwidthGBs) }},
		{Name: "bandwidth_share", Type: "number",
			Meaning:   "`achieved_bandwidth_gbs / peak_bandwidth_gbs`",
			EmptyWhen: "no peak bandwidth",
			Value:     func(r *storage.Run) any { return f(r.BandwidthShare) }},
		{Name: "decode_bound", Type: "text",
			Meaning:   "`bandwidth`, or `dispatch` when decode reads its bytes at less than half the peak (per-kernel launch and host work set the pace)",
			EmptyWhen: "no peak bandwidth",
			Value:     func(r *storage.Run) any { return r.DecodeBound }},
		{Name: "energy_j", Type: "number", Unit: "J", Label: "energy",
			Meaning:   "energy the metered part of the machine (see `power_source_meter`) drew during the measured repetitions, prefill and decode, integrated over each repetition's wall-clock window from readings taken every 250 ms; the whole package or board, not this process alone",
			EmptyWhen: "not `ok`; no meter (`power_source_meter` is `unknown`)",
			Value:     func(r *storage.Run) any { return f(r.EnergyJ) }},
		{Name: "joules_per_token", Type: "number", Unit: "J/token",
			Meaning:   "`energy_j / (repetitions × batch × generate)`: what each generated token cost, its share of prefill included",
			EmptyWhen: "as `energy_j`",
			Value:     func(r *storage.Run) any { return f(r.JoulesPerToken) }},
		{Name: "prefill_watts", Type: "number", Unit: "W",
			Meaning:   "average power during prefill: energy over time from each repetition's start to its first token",
			EmptyWhen: "as `energy_j`",
			Value:     func(r *storage.Run) any { return f(r.PrefillWatts) }},
		{Name: "decode_watts", Type: "number", Unit: "W",
			Meaning:   "average power during decode: energy over time from each repetition's first token to its last",
			EmptyWhen: "as `energy_j`; generate 1",
			Value:     func(r *storage.Run) any { return f(r.DecodeWatts) }},
		{Name: "power_source_meter", Type: "text",
			Meaning:   "where energy was read: `ioreport` (Apple silicon's Energy Model: CPU, GPU, ANE and DRAM), `nvml` (the NVIDIA GPU's energy counter, else its power draw), `nvidia-smi` (its power draw), `rapl` (the CPU packages' counters under /sys/class/powercap) or `unknown`",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.PowerSourceMeter }},
		{Name: "cpu_clock_mhz_min", Type: "number", Unit: "MHz",
			Meaning:   "lowest CPU clock read during the repetitions: the fastest core's (Linux: cpufreq's `scaling_cur_freq`; macOS: the fastest performance core's average over each 250 ms, from IOReport CPU Stats)",
			EmptyWhen: "no CPU clock is readable (most virtual machines and containers)",
			Value:     func(r *storage.Run) any { return f(r.CPUClockMHzMin) }},
		{Name: "cpu_clock_mhz_median", Type: "number", Unit: "MHz",
			Meaning:   "median of the same readings",
			EmptyWhen: "as `cpu_clock_mhz_min`",
			Value:     func(r *storage.Run) any { return f(r.CPUClockMHzMedian) }},
		{Name: "cpu_clock_mhz_max", Type: "number", Unit: "MHz",
			Meaning:   "highest of the same readings",
			EmptyWhen: "as `cpu_clock_mhz_min`",
			Value:     func(r *storage.Run) any { return f(r.CPUClockMHzMax) }},
		{Name: "gpu_clock_mhz_min", Type: "number", Unit: "MHz",
			Meaning:   "lowest GPU clock read during the repetitions (NVIDIA: the SM clock; macOS: IOReport GPU Stats)",
			EmptyWhen: "no GPU clock is readable",
			Value:     func(r *storage.Run) any { return f(r.GPUClockMHzMin) }},
		{Name: "gpu_clock_mhz_median", Type: "number", Unit: "MHz",
			Meaning:   "median of the same readings",
			EmptyWhen: "as `gpu_clock_mhz_min`",
			Value:     func(r *storage.Run) any { return f(r.GPUClockMHzMedian) }},
		{Name: "gpu_clock_mhz_max", Type: "number", Unit: "MHz",
			Meaning:   "highest of the same readings",
			EmptyWhen: "as `gpu_clock_mhz_min`",
			Value:     func(r *storage.Run) any { return f(r.GPUClockMHzMax) }},
		{Name: "throttled", Type: "boolean",
			Meaning:   "`true` when the CPU or GPU clock fell more than 10% below its first reading during the repetitions, whatever the thermal state said; such runs are left out of fitting like hot ones",
			EmptyWhen: "never (`false` when no clock was read)",
			Value:     func(r *storage.Run) any { return r.Throttled }},
		{Name: "run_uid", Type: "text",
			Meaning:   "the run's identifier across databases: `import` keys on it, so a run imported twice is stored once",
			EmptyWhen: "never",
			Value:     func(r *storage.Run) any { return r.UID }},
	}
	// A text column that can be empty has no value then: null in json, as docs/data.md says.
	for i, c := range cols {
		if c.Type == "text" && c.EmptyWhen != "never" {
			v := c.Value
			cols[i].Value = func(r *storage.Run) any {
				if s, ok := v(r).(string); ok && s == "" {
					return nil
				}
				return v(r)
			}
		}
	}
	return cols
}

// SampleRow is one repetition of a run, as export --samples prints it.
type SampleRow struct {
	Run    *storage.Run
	Sample *storage.Sample
}

// sampleRunColumns are the run columns repeated on every sample row: what identifies the run and
// its configuration, without the run's aggregates, which would read as this repetition's.
var sampleRunColumns = []string{"run_id", "run_uid", "machine_fingerprint", "created_at", "model", "weights", "precision", "context",
	"generate", "batch", "status", "backend", "device"}

// SampleColumns are the columns of one repetition: the run's identity and configuration, then
// the repetition's own measurements.
func SampleColumns() []Column[SampleRow] {
	var cols []Column[SampleRow]
	runCols := RunColumns()
	for _, name := range sampleRunColumns {
		i := slices.IndexFunc(runCols, func(c Column[storage.Run]) bool { return c.Name == name })
		if i < 0 {
			panic("sampleRunColumns names " + name + ", which RunColumns lacks")
		}
		rc := runCols[i]
		meaning := "as in the run columns"
		if name == "run_id" {
			meaning = "the run this repetition belongs to"
		}
		cols = append(cols, Column[SampleRow]{Name: name, Type: rc.Type, Unit: rc.Unit, Meaning: meaning, EmptyWhen: "never",
			Value: func(r *SampleRow) any { return rc.Value(r.Run) }})
	}
	return append(cols, []Column[SampleRow]{
		{Name: "rep", Type: "integer",
			Meaning:   "the repetition, counting from 0",
			EmptyWhen: "never",
			Value:     func(r *SampleRow) any { return r.Sample.Rep }},
		{Name: "ttft_ms", Type: "number", Unit: "ms",
			Meaning:   "time to first token of this repetition",
			EmptyWhen: "never",
			Value:     func(r *SampleRow) any { return r.Sample.TTFTMs }},
		{Name: "prefill_tokens_per_sec", Type: "number", Unit: "tokens/s",
			Meaning:   "`batch × context / ttft_ms` of this repetition",
			EmptyWhen: "never",
			Value:     func(r *SampleRow) any { return r.Sample.PrefillTokensPerSec }},
		{Name: "decode_ms", Type: "number", Unit: "ms",
			Meaning:   "sum of `token_latencies_ms`",
			EmptyWhen: "0 with generate 1",
			Value:     func(r *SampleRow) any { return r.Sample.DecodeMs }},
		{Name: "decode_tokens_per_sec", Type: "number", Unit: "tokens/s",
			Meaning:   "`batch × (generate − 1) / decode_ms`",
			EmptyWhen: "generate 1",
			Value: func(r *SampleRow) any {
				if r.Sample.DecodeTokensPerSec == nil {
					return nil
				}
				return *r.Sample.DecodeTokensPerSec
			}},
		{Name: "peak_memory_bytes", Type: "integer", Unit: "bytes",
			Meaning:   "MLX peak memory during this repetition",
			EmptyWhen: "never",
			Value:     func(r *SampleRow) any { return r.Sample.PeakMemoryBytes }},
		{Name: "rss_bytes", Type: "integer", Unit: "bytes",
			Meaning:   "the worker's resident set size at the end of this repetition",
			EmptyWhen: "never",
			Value:     func(r *SampleRow) any { return r.Sample.RSSBytes }},
		{Name: "token_latencies_ms", Type: "list of numbers", Unit: "ms",
			Meaning:   "`generate − 1` times between successive generated tokens: a JSON array, written as text (`[10.1,9.9]`) in csv and md",
			EmptyWhen: "`[]` with generate 1",
			Value: func(r *SampleRow) any {
				if r.Sample.TokenLatenciesMs == nil {
					return []float64{} // generate 1 has no latencies: an empty list, not null
				}
				return r.Sample.TokenLatenciesMs
			}},
		{Name: "energy_j", Type: "number", Unit: "J",
			Meaning:   "energy drawn during this repetition, prefill and decode (see the run's `energy_j`)",
			EmptyWhen: "no meter",
			Value:     func(r *SampleRow) any { return fp(r.Sample.EnergyJ) }},
		{Name: "joules_per_token", Type: "number", Unit: "J/token",
			Meaning:   "`energy_j / (batch × generate)` of this repetition",
			EmptyWhen: "no meter",
			Value:     func(r *SampleRow) any { return fp(r.Sample.JoulesPerToken) }},
	}...)
}

// Label is the header of the named run column in the table for a person.
func Label(name string) string {
	for _, c := range RunColumns() {
		if c.Name == name {
			return c.Label
		}
	}
	panic("no run column " + name) // a typo in this package
}

// Dictionary renders columns as the data dictionary's table in docs/data.md.
func Dictionary[T any](cols []Column[T]) string {
	var b strings.Builder
	b.WriteString("| column | type | unit | meaning | empty when |\n| --- | --- | --- | --- | --- |\n")
	for _, c := range cols {
		unit := ""
		if c.Unit != "" {
			unit = c.Unit + " "
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s| %s | %s |\n", c.Name, c.Type, unit, c.Meaning, c.EmptyWhen)
	}
	return b.String()
}

func fp(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
