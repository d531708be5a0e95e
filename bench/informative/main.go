// Command informative measures how many runs each measurement order needs
// before the advisor predicts decode latency within a target error on runs
// it has not seen. It replays a sweep already measured (an inferbench
// export --format csv): a random share of the configurations is held out,
// and the rest are "measured" one at a time in each order, the decode model
// refitted after each. Orders:
//
//   - grid: the order a sweep runs, model by model, smallest first;
//   - teaching: the agent's former order, every model and precision's
//     extremes first, then midpoints (engine.TeachingOrder);
//   - informative: the teaching order until a committee of decode models can
//     be trained, then always the configuration the committee disagrees on
//     most (advisor.Committee);
//   - random: for reference.
//
// It prints a Markdown table: the median over seeds of the runs needed, and
// the decode MAPE on the held-out runs after 16 and 32 runs.
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/advisor"
	"github.com/inferbench/inferbench/advisor/validate"
	"github.com/inferbench/inferbench/engine"
)

func main() {
	path := flag.String("csv", "bench/data/gpt2-cpu-sweep.csv", "runs exported with inferbench export --format csv")
	target := flag.Float64("target", 0.15, "decode MAPE on the held-out runs to reach, as a fraction")
	holdout := flag.Float64("holdout", 0.3, "share of configurations held out")
	seeds := flag.Int("seeds", 7, "random splits to take the median over")
	flag.Parse()
	obs, err := load(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "informative:", err)
		os.Exit(1)
	}
	orders := []string{"grid", "teaching", "informative", "random"}
	needed := map[string][]int{}
	at := map[string]map[int][]float64{}
	for _, o := range orders {
		at[o] = map[int][]float64{}
	}
	for seed := range *seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 3))
		perm := rng.Perm(len(obs))
		nTest := int(float64(len(obs)) * *holdout)
		var test, pool []advisor.Observation
		for k, i := range perm {
			if k < nTest {
				test = append(test, obs[i])
			} else {
				pool = append(pool, obs[i])
			}
		}
		for _, order := range orders {
			n, curve := replay(order, pool, test, *target, rng)
			needed[order] = append(needed[order], n)
			for _, k := range []int{16, 32} {
				if k-1 < len(curve) {
					at[order][k] = append(at[order][k], curve[k-1])
				}
			}
		}
	}
	fmt.Printf("%d ok runs from %s; %.0f%% held out; median over %d splits; target decode MAPE %.0f%%\n\n",
		len(obs), *path, 100**holdout, *seeds, 100**target)
	fmt.Println("| order | runs to reach the target (median) | per split | MAPE after 16 runs | MAPE after 32 runs |")
	fmt.Println("| --- | ---: | --- | ---: | ---: |")
	for _, o := range orders {
		fmt.Printf("| %s | %s | %v | %s | %s |\n", o, runs(median(needed[o])), needed[o], pct(at[o][16]), pct(at[o][32]))
	}
	fmt.Println("\nA split that never reached the target counts as the whole pool plus one.")
}

// replay measures pool in the order's sequence and returns how many runs the
// model needed to reach target on test, and the MAPE after each run.
func replay(order string, pool, test []advisor.Observation, target float64, rng *rand.Rand) (int, []float64) {
	var seq []advisor.Observation
	switch order {
	case "grid", "teaching", "informative":
		seq = ordered(pool, order == "grid")
	case "random":
		seq = slices.Clone(pool)
		rng.Shuffle(len(seq), func(i, j int) { seq[i], seq[j] = seq[j], seq[i] })
	}
	var measured []advisor.Observation
	var curve []float64
	need := len(pool) + 1
	for len(seq) > 0 {
		next := 0
		if order == "informative" {
			if c, err := advisor.NewCommittee(measured, advisor.Options{Seed: 1}); err == nil {
				qs := make([]advisor.Query, len(seq))
				for i, o := range seq {
					qs[i] = o.Query()
				}
				next = c.MostInformative(qs)
			}
		}
		measured = append(measured, seq[next])
		seq = slices.Delete(seq, next, next+1)
		m := heldOutMAPE(measured, test)
		curve = append(curve, m)
		if m <= target && need > len(pool) {
			need = len(measured)
		}
	}
	return need, curve
}

// heldOutMAPE is the decode MAPE on test of the committee's full model
// trained on train; 1 (100%) while too few runs are measured to fit one.
func heldOutMAPE(train, test []advisor.Observation) float64 {
	c, err := advisor.NewCommittee(train, advisor.Options{Seed: 1})
	if err != nil {
		return 1
	}
	var actual, pred []float64
	for _, o := range test {
		p, _ := c.Predict(o.Query())
		actual, pred = append(actual, o.DecodeMsPerToken), append(pred, p)
	}
	return validate.MAPE(actual, pred)
}

// ordered returns obs in the sweep's grid order, or in the teaching order.
func ordered(obs []advisor.Observation, grid bool) []advisor.Observation {
	byKey := map[engine.Config]advisor.Observation{}
	var cfgs []engine.Config
	for _, o := range obs {
		c := engine.Config{Model: o.Model, Precision: o.Precision, Context: o.Context, Generate: o.Generate, Batch: o.Batch}
		byKey[c] = o
		cfgs = append(cfgs, c)
	}
	if grid {
		cfgs = cfgs[:0]
		for _, g := range engine.Plan(slices.Collect(func(yield func(engine.Config) bool) {
			for _, o := range sortedByModel(obs) {
				if !yield(engine.Config{Model: o.Model, Precision: o.Precision, Context: o.Context, Generate: o.Generate, Batch: o.Batch}) {
					return
				}
			}
		})) {
			cfgs = append(cfgs, g.Configs...)
		}
	} else {
		cfgs = engine.TeachingOrder(cfgs)
	}
	out := make([]advisor.Observation, len(cfgs))
	for i, c := range cfgs {
		out[i] = byKey[c]
	}
	return out
}

func sortedByModel(obs []advisor.Observation) []advisor.Observation {
	s := slices.Clone(obs)
	slices.SortStableFunc(s, func(a, b advisor.Observation) int { return int(a.Params - b.Params) })
	return s
}

// load reads the successful runs of catalog models from an export.
func load(path string) ([]advisor.Observation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s holds no runs", path)
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	num := func(r []string, name string) float64 {
		i, ok := col[name]
		if !ok {
			return 0 // a column older exports lack
		}
		v, _ := strconv.ParseFloat(r[i], 64)
		return v
	}
	var obs []advisor.Observation
	for _, r := range rows[1:] {
		m, ok := cat.Model(r[col["model"]])
		if !ok || r[col["status"]] != advisor.StatusOK {
			continue
		}
		var cfg map[string]any
		if err := json.Unmarshal(m.Config, &cfg); err != nil {
			return nil, err
		}
		shape, err := advisor.ShapeFromConfig(cfg)
		if err != nil {
			return nil, err
		}
		obs = append(obs, advisor.Observation{
			RunID: int64(num(r, "run_id")), Model: m.Name, Precision: r[col["precision"]], Status: advisor.StatusOK,
			Params: int64(num(r, "params")), WeightBytes: int64(num(r, "weight_bytes")), Shape: shape,
			Context: int(num(r, "context")), Generate: int(num(r, "generate")), Batch: int(num(r, "batch")),
			DecodeMsPerToken: num(r, "decode_ms_per_token"), TTFTMs: num(r, "ttft_ms"), PeakMemoryBytes: int64(num(r, "peak_memory_bytes")),
			BandwidthGBs: num(r, "peak_bandwidth_gbs"),
		})
	}
	return obs, nil
}

func median(xs []int) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return float64(s[len(s)/2])
	}
	return float64(s[len(s)/2-1]+s[len(s)/2]) / 2
}

func runs(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func pct(xs []float64) string {
	if len(xs) == 0 {
		return "–"
	}
	s := slices.Sorted(slices.Values(xs))
	return fmt.Sprintf("%.1f%%", 100*s[len(s)/2])
}
