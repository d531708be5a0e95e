package advisor

import (
	"encoding/csv"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/advisor/regress"
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

// bound is a measured figure's allowed range.
type bound struct {
	name          string
	got, lo, most float64
}

func checkBounds(t *testing.T, bounds []bound) {
	t.Helper()
	for _, c := range bounds {
		if !(c.lo <= c.got && c.got <= c.most) {
			t.Errorf("%s = %.4f, want within [%.3f, %.3f]", c.name, c.got, c.lo, c.most)
		}
	}
}

// TestTrainOnMeasuredSweeps fits the sweeps measured for bench/README.md and holds each figure
// to what the advisor reaches there, with a little room, so that a change that loses accuracy
// on real data fails:
//   - gpt2-cpu-sweep.csv: the Linux CPU backend, three GPT-2 sizes at fp32 and fp16, contexts 16–128;
//   - tiny-cpu-sweep.csv: the CPU backend, tiny-gpt2 and tiny-llama at four precisions (two models:
//     no leave-one-model-out);
//   - h200-sweep.csv: an NVIDIA H200 with MLX's CUDA backend, 7 models × 5 precisions × 3
//     contexts × batch 1 and 8;
//   - h200/sweep-passes.csv: the same grid on the H200 measured in three passes, each
//     configuration fitted at its fastest run and largest peak: decode under 10% (5-fold) and
//     20% (leave one model out), TTFT under 15%, memory under 5%;
//   - with h200/sweep-passes-4to6.csv, three more passes an hour later on a slower host: memory
//     at 5.1%.
//
// The seeds are those of the README's tables: inferbench fit's (0), and 1 for the GPT-2 CPU
// sweep, whose table has come from this test since it was measured.
func TestTrainOnMeasuredSweeps(t *testing.T) {
	for _, c := range []struct {
		csv  string
		seed int64
		// most: the largest 5-fold and leave-one-model-out MAPEs allowed per target
		// (decode, TTFT, memory); a NaN leave-one-model-out bound means none is expected.
		decode, ttft, memory [2]float64
		decodeKind           string
		// cover: the targets whose 90% interval coverage must lie in 85–95%.
		cover []string
	}{
		{"gpt2-cpu-sweep.csv", 1, [2]float64{0.03, 0.035}, [2]float64{0.035, 0.05}, [2]float64{0.003, 0.006}, regress.KindOverhead, []string{"decode"}},
		{"tiny-cpu-sweep.csv", 0, [2]float64{0.175, math.NaN()}, [2]float64{0.235, math.NaN()}, [2]float64{0.036, math.NaN()}, regress.KindOverhead, []string{"decode", "ttft"}},
		{"h200-sweep.csv", 0, [2]float64{0.125, 0.14}, [2]float64{0.13, 0.155}, [2]float64{0.049, 0.063}, regress.KindDispatch, []string{"decode", "ttft", "memory"}},
		{"h200/sweep-passes.csv", 0, [2]float64{0.095, 0.11}, [2]float64{0.125, 0.145}, [2]float64{0.05, 0.065}, regress.KindDispatch, []string{"decode", "ttft", "memory"}},
		{"h200/sweep-passes.csv+h200/sweep-passes-4to6.csv", 0, [2]float64{0.095, 0.11}, [2]float64{0.125, 0.145}, [2]float64{0.052, 0.06}, regress.KindDispatch, []string{"decode", "ttft", "memory"}},
	} {
		t.Run(c.csv, func(t *testing.T) {
			// "a+b" is b's runs imported into a's, as inferbench import stores them and export
			// lists them: numbered after a's, and listed before them (newest first).
			var obs []Observation
			for _, name := range strings.Split(c.csv, "+") {
				var last int64
				for _, o := range obs {
					last = max(last, o.RunID)
				}
				more := exported(t, "../bench/data/"+name)
				for i := range more {
					more[i].RunID += last
				}
				obs = append(more, obs...)
			}
			f, err := Train(obs, Options{Seed: c.seed})
			if err != nil {
				t.Fatal(err)
			}
			m := f.Metrics
			t.Logf("decode %s %.1f%% CV / %.1f%% LOMO, coverage %.1f%%; ttft %s %.1f%% / %.1f%%, coverage %.1f%%; memory %s %.2f%% / %.2f%%, coverage %.1f%%",
				m.Decode.Model, 100*val(m.Decode.MAPE5Fold), 100*val(m.Decode.MAPELOMO), 100*val(m.Decode.Coverage90),
				m.TTFT.Model, 100*val(m.TTFT.MAPE5Fold), 100*val(m.TTFT.MAPELOMO), 100*val(m.TTFT.Coverage90),
				m.Memory.Model, 100*val(m.Memory.MAPE5Fold), 100*val(m.Memory.MAPELOMO), 100*val(m.Memory.Coverage90))
			if m.Decode.Model != c.decodeKind {
				t.Errorf("decode model %s, want %s", m.Decode.Model, c.decodeKind)
			}
			var bounds []bound
			for _, tt := range []struct {
				name       string
				cv, lomo   *float64
				most       [2]float64
				coverage   *float64
				targetName string
			}{
				{"decode", m.Decode.MAPE5Fold, m.Decode.MAPELOMO, c.decode, m.Decode.Coverage90, "decode"},
				{"TTFT", m.TTFT.MAPE5Fold, m.TTFT.MAPELOMO, c.ttft, m.TTFT.Coverage90, "ttft"},
				{"memory", m.Memory.MAPE5Fold, m.Memory.MAPELOMO, c.memory, m.Memory.Coverage90, "memory"},
			} {
				bounds = append(bounds, bound{tt.name + " MAPE (CV)", val(tt.cv), 0, tt.most[0]})
				if math.IsNaN(tt.most[1]) {
					if tt.lomo != nil {
						t.Errorf("%s: a leave-one-model-out MAPE on %d models", tt.name, m.NModels)
					}
				} else {
					bounds = append(bounds, bound{tt.name + " MAPE (leave one model out)", val(tt.lomo), 0, tt.most[1]})
				}
				if slices.Contains(c.cover, tt.targetName) {
					bounds = append(bounds, bound{tt.name + " 90% interval coverage", val(tt.coverage), 0.85, 0.95})
				}
			}
			checkBounds(t, bounds)
		})
	}
}

// TestMeasuredCPUSweepKeepsPrecisionOrder: on the Linux CPU backend fp16 decodes slower than
// fp32 (scalar kernels against BLAS); the fit must say so for a size it measured.
func TestMeasuredCPUSweepKeepsPrecisionOrder(t *testing.T) {
	obs := exported(t, "../bench/data/gpt2-cpu-sweep.csv")
	f, err := Train(obs, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	q := obs[0].Query()
	q.Precision, q.WeightBytes = "fp32", q.Params*4
	fp32 := f.Predict(q).DecodeMsPerToken
	q.Precision, q.WeightBytes = "fp16", q.Params*2
	if fp16 := f.Predict(q).DecodeMsPerToken; !(fp16 > fp32) {
		t.Errorf("%s: predicted fp16 %.1f ms/token, fp32 %.1f: measured fp16 is slower here", q.Model, fp16, fp32)
	}
}

// TestMeasuredGPUSweepIsDispatchBound: on the H200 decode follows the layer count, which a
// bytes-only roofline cannot fit, and the dispatch model's rates say so: about a tenth of a
// millisecond per layer at every precision, and weights read near the device's bandwidth.
func TestMeasuredGPUSweepIsDispatchBound(t *testing.T) {
	obs := exported(t, "../bench/data/h200-sweep.csv")
	f, err := Train(obs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := f.Metrics
	if !(val(m.Decode.Kinds[regress.KindRoofline].MAPE5Fold) > 3*val(m.Decode.MAPE5Fold)) {
		t.Errorf("roofline %.3f against chosen %.3f: dispatch-bound decode should defeat a bytes-only model",
			val(m.Decode.Kinds[regress.KindRoofline].MAPE5Fold), val(m.Decode.MAPE5Fold))
	}
	// The dispatch model must beat the overhead model it extends on both validations.
	if !(val(m.Decode.Kinds[regress.KindDispatch].MAPE5Fold) < val(m.Decode.Kinds[regress.KindOverhead].MAPE5Fold) && val(m.Decode.Kinds[regress.KindDispatch].MAPELOMO) < val(m.Decode.Kinds[regress.KindOverhead].MAPELOMO)) {
		t.Errorf("dispatch %.3f / %.3f against overhead %.3f / %.3f", val(m.Decode.Kinds[regress.KindDispatch].MAPE5Fold), val(m.Decode.Kinds[regress.KindDispatch].MAPELOMO),
			val(m.Decode.Kinds[regress.KindOverhead].MAPE5Fold), val(m.Decode.Kinds[regress.KindOverhead].MAPELOMO))
	}
	costs := f.DecodeCosts()
	if len(costs) != 5 {
		t.Fatalf("decode costs %+v, want one per precision", costs)
	}
	for _, c := range costs {
		t.Logf("%s: %.3f ms per layer, weights at %.0f GB/s", c.Precision, c.PerLayerMs, c.BandwidthGBs)
		if !(0.05 < c.PerLayerMs && c.PerLayerMs < 0.2) {
			t.Errorf("%s: %.3f ms per layer, want 0.05–0.2 (120–390 µs per layer less the shared terms)", c.Precision, c.PerLayerMs)
		}
		if !(1000 < c.BandwidthGBs && c.BandwidthGBs < 4800) {
			t.Errorf("%s: weights read at %.0f GB/s, want between 1 TB/s and the H200's 4.8 TB/s", c.Precision, c.BandwidthGBs)
		}
	}
}
