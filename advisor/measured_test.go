package advisor

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"
)

// exported reads runs as inferbench export --format csv writes them (see
// docs/data.md), with shapes from the catalog. Missing files skip the test.
func exported(t *testing.T, path string) []Observation {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("%s is not here", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	shapes := catalogShapes(t)
	num := func(r []string, name string) float64 {
		i, ok := col[name]
		if !ok {
			return 0 // a column older exports lack
		}
		v, _ := strconv.ParseFloat(r[i], 64)
		return v
	}
	var obs []Observation
	for _, r := range rows[1:] {
		cfg, ok := shapes[r[col["model"]]]
		if !ok {
			continue
		}
		s, err := ShapeFromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		obs = append(obs, Observation{
			RunID: int64(num(r, "run_id")), Model: r[col["model"]], Precision: r[col["precision"]], Status: r[col["status"]],
			Params: int64(num(r, "params")), WeightBytes: int64(num(r, "weight_bytes")), Shape: s,
			Context: int(num(r, "context")), Generate: int(num(r, "generate")), Batch: int(num(r, "batch")),
			DecodeMsPerToken: num(r, "decode_ms_per_token"), TTFTMs: num(r, "ttft_ms"), PeakMemoryBytes: int64(num(r, "peak_memory_bytes")),
			BandwidthGBs: num(r, "peak_bandwidth_gbs"),
		})
	}
	return obs
}

// TestTrainOnMeasuredCPUSweep fits the GPT-2 sweep measured on the Linux CPU
// backend (bench/README.md): three sizes, fp32 and fp16, contexts 16–128.
func TestTrainOnMeasuredCPUSweep(t *testing.T) {
	obs := exported(t, "../bench/data/gpt2-cpu-sweep.csv")
	f, err := Train(obs, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := f.Metrics
	t.Logf("decode %s %.1f%% CV / %.1f%% LOMO, coverage %.0f%%; ttft %s %.1f%% / %.1f%%; memory %s %.2f%% / %.2f%%; warnings %q",
		m.DecodeModel, 100*val(m.DecodeMAPECV), 100*val(m.DecodeMAPELOMO), 100*val(m.IntervalCoverage90),
		m.TTFTModel, 100*val(m.TTFTMAPECV), 100*val(m.TTFTMAPELOMO), m.MemoryModel, 100*val(m.MemoryMAPECV), 100*val(m.MemoryMAPELOMO), m.Warnings)
	for _, c := range []struct {
		name      string
		got, most float64
	}{
		{"decode MAPE (CV)", val(m.DecodeMAPECV), 0.10},
		{"decode MAPE (leave one model out)", val(m.DecodeMAPELOMO), 0.20},
		{"TTFT MAPE (CV)", val(m.TTFTMAPECV), 0.15},
		{"memory MAPE (CV)", val(m.MemoryMAPECV), 0.05},
		{"memory MAPE (leave one model out)", val(m.MemoryMAPELOMO), 0.10},
	} {
		if !(c.got <= c.most) {
			t.Errorf("%s = %.3f, want at most %.2f", c.name, c.got, c.most)
		}
	}
	// On this backend fp16 decodes slower than fp32 (scalar kernels against BLAS): the fit
	// must say so for a size it measured.
	q := obs[0].Query()
	q.Precision, q.WeightBytes = "fp32", q.Params*4
	fp32 := f.Predict(q).DecodeMsPerToken
	q.Precision, q.WeightBytes = "fp16", q.Params*2
	if fp16 := f.Predict(q).DecodeMsPerToken; !(fp16 > fp32) {
		t.Errorf("%s: predicted fp16 %.1f ms/token, fp32 %.1f: measured fp16 is slower here", q.Model, fp16, fp32)
	}
}

// TestTrainOnMeasuredGPUSweep fits the sweep measured on an NVIDIA H200 with MLX's CUDA backend
// (bench/data/h200-sweep.csv: 7 models × 5 precisions × 3 contexts × batch 1 and 8). Its
// bounds are what the advisor reaches there, with a little room, so that a change that loses
// accuracy fails; bench/README.md compares them with the targets and the data's noise floor.
func TestTrainOnMeasuredGPUSweep(t *testing.T) {
	obs := exported(t, "../bench/data/h200-sweep.csv")
	f, err := Train(obs, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := f.Metrics
	t.Logf("decode %s %.1f%% CV / %.1f%% LOMO, coverage %.0f%%; ttft %s %.1f%% / %.1f%%; memory %s %.1f%% / %.1f%%",
		m.DecodeModel, 100*val(m.DecodeMAPECV), 100*val(m.DecodeMAPELOMO), 100*val(m.IntervalCoverage90),
		m.TTFTModel, 100*val(m.TTFTMAPECV), 100*val(m.TTFTMAPELOMO), m.MemoryModel, 100*val(m.MemoryMAPECV), 100*val(m.MemoryMAPELOMO))
	for _, c := range []struct {
		name          string
		got, lo, most float64
	}{
		{"decode MAPE (CV)", val(m.DecodeMAPECV), 0, 0.17},
		{"decode MAPE (leave one model out)", val(m.DecodeMAPELOMO), 0, 0.20},
		{"TTFT MAPE (CV)", val(m.TTFTMAPECV), 0, 0.15},
		{"memory MAPE (CV)", val(m.MemoryMAPECV), 0, 0.07},
		{"memory MAPE (leave one model out)", val(m.MemoryMAPELOMO), 0, 0.10},
		{"decode 90% interval coverage", val(m.IntervalCoverage90), 0.85, 0.95},
		{"TTFT 90% interval coverage", val(m.TTFTIntervalCoverage90), 0.85, 0.95},
	} {
		if !(c.lo <= c.got && c.got <= c.most) {
			t.Errorf("%s = %.3f, want within [%.2f, %.2f]", c.name, c.got, c.lo, c.most)
		}
	}
	// The roofline reads bytes alone; on this device decode follows the layer count.
	if !(val(m.DecodeMAPECVRoofline) > 3*val(m.DecodeMAPECV)) {
		t.Errorf("roofline %.3f against chosen %.3f: dispatch-bound decode should defeat a bytes-only model",
			val(m.DecodeMAPECVRoofline), val(m.DecodeMAPECV))
	}
}
