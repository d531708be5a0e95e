package charts

import (
	"fmt"
	"math"
)

// gpt2 describes the GPT-2 sizes used as test models.
var gpt2 = []struct {
	name           string
	params         float64
	layers, dModel int
}{
	{"gpt2", 124e6, 12, 768},
	{"gpt2-medium", 355e6, 24, 1024},
	{"gpt2-large", 774e6, 36, 1280},
}

var testOptions = Options{MemoryBudgetBytes: 1.9e9, ThresholdMs: 10, PeakBandwidthGBs: 68}

// decode models a memory-bound decode step: every token reads the weights
// and the KV cache once, at 68 GB/s, plus a fixed 0.8 ms of overhead.
func decode(params float64, bytesPerParam float64, layers, dModel, context, batch int) (ms, tps float64, mem int64) {
	weights := params * bytesPerParam
	kv := float64(2*layers*dModel*2) * float64(context*batch) // K and V, fp16
	ms = (weights+kv)/68e9*1000 + 0.8
	return ms, float64(batch) * 1000 / ms, int64(weights + kv + 200e6)
}

// testPoints returns 3 GPT-2 sizes × fp16/int4 × contexts 64..1024 × batch
// 1 and 4, with runs over testOptions' budget marked "oom", plus predicted
// points for gpt2 at longer contexts and one skipped run.
func testPoints() []Point {
	var pts []Point
	precisions := []struct {
		name string
		bpp  float64
	}{{"fp16", 2}, {"int4", 0.5625}} // int4 carries a scale per group of 32
	for _, m := range gpt2 {
		for _, pr := range precisions {
			for _, batch := range []int{1, 4} {
				for ctx := 64; ctx <= 1024; ctx *= 2 {
					ms, tps, mem := decode(m.params, pr.bpp, m.layers, m.dModel, ctx, batch)
					pt := Point{Model: m.name, Precision: pr.name, Context: ctx, Batch: batch, Status: "ok"}
					if mem > testOptions.MemoryBudgetBytes {
						pt.Status = "oom"
					} else {
						pt.MsPerToken, pt.TokensPerSec, pt.PeakMemoryBytes = ms, tps, mem
						pt.BytesPerStep = int64(m.params*pr.bpp + float64(2*m.layers*m.dModel*2)*float64(ctx*batch))
					}
					pts = append(pts, pt)
				}
			}
		}
	}
	for _, ctx := range []int{2048, 4096} {
		ms, tps, mem := decode(gpt2[0].params, 2, gpt2[0].layers, gpt2[0].dModel, ctx, 1)
		pts = append(pts, Point{Model: "gpt2", Precision: "fp16", Context: ctx, Batch: 1,
			MsPerToken: ms, TokensPerSec: tps, PeakMemoryBytes: mem, Status: "ok", Predicted: true})
	}
	pts = append(pts, Point{Model: "gpt2-medium", Precision: "int4", Context: 4096, Batch: 4, Status: "skipped"})
	return pts
}

// testPairs returns predictions within a few percent of the measurements,
// with a handful of misses, as the fitted models produce.
func testPairs(points []Point) map[string][]Pair {
	pairs := map[string][]Pair{}
	for i, pt := range points {
		if pt.Predicted || !isOK(pt) || pt.MsPerToken == 0 {
			continue
		}
		// Deterministic error between -6% and +6%, and a few larger misses.
		e := 0.06 * math.Sin(float64(i)*1.7)
		if i%11 == 0 {
			e = 0.12 + 0.02*float64(i%3)
		}
		label := fmt.Sprintf("%s %s ctx %d b%d", pt.Model, pt.Precision, pt.Context, pt.Batch)
		pairs["ms/token"] = append(pairs["ms/token"], Pair{Measured: pt.MsPerToken, Predicted: pt.MsPerToken * (1 + e), Label: label})
		pairs["tokens/s"] = append(pairs["tokens/s"], Pair{Measured: pt.TokensPerSec, Predicted: pt.TokensPerSec / (1 + e), Label: pt.Model + ", " + pt.Precision})
	}
	return pairs
}

// chartFuncs builds every chart from the test data.
func chartFuncs(points []Point, pairs map[string][]Pair, opt Options) map[string]func() (Figure, error) {
	return map[string]func() (Figure, error){
		"latency-vs-context":  func() (Figure, error) { return LatencyVsContext(points, opt) },
		"throughput-vs-batch": func() (Figure, error) { return ThroughputVsBatch(points, opt) },
		"memory-vs-context":   func() (Figure, error) { return MemoryVsContext(points, opt) },
		"feasibility-map":     func() (Figure, error) { return FeasibilityMap(points, opt) },
		"roofline":            func() (Figure, error) { return Roofline(points, opt) },
		"predicted-vs-measured-ms-per-token": func() (Figure, error) {
			return PredictedVsMeasured(pairs["ms/token"], "ms/token", opt)
		},
		"predicted-vs-measured-tokens-per-s": func() (Figure, error) {
			return PredictedVsMeasured(pairs["tokens/s"], "tokens/s", opt)
		},
	}
}

// mixedPoints adds to testPoints models measured at few contexts, more
// precisions, a skipped run and a prediction, without context 256 or a
// 4096 prediction, as a sweep that is still under way leaves them.
func mixedPoints() []Point {
	var pts []Point
	for _, pt := range testPoints() {
		if pt.Context != 256 && pt.Context != 4096 {
			pts = append(pts, pt)
		}
	}
	return append(pts,
		Point{Model: "llama-3.2-1b", Precision: "bf16", Context: 512, Batch: 1, MsPerToken: 31, TokensPerSec: 32, PeakMemoryBytes: 2.9e9, Status: "ok"},
		Point{Model: "llama-3.2-1b", Precision: "bf16", Context: 1024, Batch: 1, MsPerToken: 33, TokensPerSec: 30, PeakMemoryBytes: 3.1e9, Status: "ok"},
		Point{Model: "llama-3.2-1b", Precision: "int8", Context: 1024, Batch: 1, MsPerToken: 18, TokensPerSec: 55, PeakMemoryBytes: 1.7e9, Status: "ok"},
		Point{Model: "qwen2.5-3b", Precision: "int8", Context: 1024, Batch: 1, Status: "skipped"},
		Point{Model: "qwen2.5-3b", Precision: "int4", Context: 1024, Batch: 1, MsPerToken: 28, TokensPerSec: 35, PeakMemoryBytes: 2.2e9, Status: "ok", Predicted: true},
	)
}

// manyPoints is a GPU sweep's worth of series: seven models by five
// precisions, too many for one legend, so the line charts become panels.
func manyPoints() []Point {
	models := []struct {
		name           string
		params         float64
		layers, dModel int
	}{{"gpt2", 124e6, 12, 768}, {"smollm2-135m", 135e6, 30, 576}, {"gpt2-medium", 355e6, 24, 1024}, {"qwen2.5-0.5b", 494e6, 24, 896},
		{"gpt2-large", 774e6, 36, 1280}, {"llama-3.2-1b", 1236e6, 16, 2048}, {"gpt2-xl", 1558e6, 48, 1600}}
	precisions := []struct {
		name string
		bpp  float64
	}{{"fp32", 4}, {"fp16", 2}, {"bf16", 2}, {"int8", 1.06}, {"int4", 0.56}}
	var pts []Point
	for _, m := range models {
		for _, pr := range precisions {
			for _, batch := range []int{1, 8} {
				for _, ctx := range []int{16, 32, 48, 128, 256, 512, 960, 1024} {
					ms, _, mem := decode(m.params, pr.bpp, m.layers, m.dModel, ctx, batch)
					ms += 0.12 * float64(m.layers) // dispatch per layer
					bytes := int64(m.params*pr.bpp + float64(2*m.layers*m.dModel*2)*float64(ctx*batch))
					pts = append(pts, Point{Model: m.name, Precision: pr.name, Context: ctx, Batch: batch, Status: "ok",
						MsPerToken: ms, TokensPerSec: float64(batch) * 1000 / ms, PeakMemoryBytes: mem, BytesPerStep: bytes})
				}
			}
		}
	}
	return pts
}

// testSets are the data sets every chart is drawn from: the GPT-2 sweep
// against a budget and threshold, and the mixed one with neither but with
// a machine named in the titles.
var testSets = []struct {
	name   string
	points func() []Point
	opt    Options
}{
	{"gpt2", testPoints, testOptions},
	{"mixed", mixedPoints, Options{Title: "MacBook Pro M3 Max, MLX 0.21, 64 GB unified memory"}},
	{"many", manyPoints, Options{ThresholdMs: 5, MemoryBudgetBytes: 140e9, MemoryBudgetSource: "the measured machine's", PeakBandwidthGBs: 4800}},
}
