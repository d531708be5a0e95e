package advisor

import (
	"testing"
)

// candidates are every model × precision × context of the CPU sweep's
// shapes, none measured.
func candidates(t *testing.T, models []string, ctxs []int) []Candidate {
	var cs []Candidate
	for _, m := range models {
		s := catalogShape(t, m)
		params := EstimateParams(s)
		for _, pr := range []struct {
			name string
			bits int
		}{{"fp32", 32}, {"fp16", 16}} {
			for _, c := range ctxs {
				cs = append(cs, Candidate{Query: Query{
					Model: m, Params: params, WeightBytes: EstimateWeightBytes(params, pr.bits, 0, ""), Shape: s,
					Precision: pr.name, Context: c, Generate: 32, Batch: 1,
				}})
			}
		}
	}
	return cs
}

func TestRecommend(t *testing.T) {
	f, _ := cpuFit(t)
	cands := candidates(t, append(gpt2Sizes, "gpt2-xl"), []int{128, 512, 1024})
	const budget = 3 << 30
	const maxMs = 150.0

	// The slowest feasible candidate, measured faster than anything
	// predicted, must come first and be marked measured.
	all := f.Recommend(cands, budget, maxMs)
	if len(all) < 3 {
		t.Fatalf("%d feasible candidates, want several", len(all))
	}
	slow := all[len(all)-1]
	fast := 0.5 * all[0].MsPerToken
	// One feasible by prediction but out of memory when measured.
	oom := all[len(all)/2]
	for i := range cands {
		switch cands[i].Query {
		case slow.Query:
			cands[i].Measured = &Observation{Status: StatusOK, DecodeMsPerToken: fast, PeakMemoryBytes: slow.PeakMemoryBytes}
		case oom.Query:
			cands[i].Measured = &Observation{Status: StatusOOM}
		}
	}
	recs := f.Recommend(cands, budget, maxMs)

	if len(recs) != len(all)-1 {
		t.Errorf("%d recommendations, want %d (one ran out of memory)", len(recs), len(all)-1)
	}
	if recs[0].Query != slow.Query || !recs[0].Measured || recs[0].MsPerToken != fast || recs[0].PInteractive != 1 {
		t.Errorf("first = %+v, want the measured %s %s ctx %d at %.1f ms", recs[0], slow.Model, slow.Precision, slow.Context, fast)
	}
	for i, r := range recs {
		if r.Query == oom.Query {
			t.Errorf("recommended %s %s ctx %d, which ran out of memory", r.Model, r.Precision, r.Context)
		}
		if r.PeakMemoryBytes > budget || r.HeadroomBytes != budget-r.PeakMemoryBytes || r.HeadroomBytes < 0 {
			t.Errorf("%s %s ctx %d: peak %d, headroom %d over budget %d", r.Model, r.Precision, r.Context, r.PeakMemoryBytes, r.HeadroomBytes, int64(budget))
		}
		if r.MsPerToken > maxMs {
			t.Errorf("%s: %.1f ms/token over the limit %.0f", r.Model, r.MsPerToken, maxMs)
		}
		if i > 0 && r.MsPerToken < recs[i-1].MsPerToken {
			t.Errorf("rank %d (%.2f ms) after rank %d (%.2f ms)", i, r.MsPerToken, i-1, recs[i-1].MsPerToken)
		}
		if !r.Measured && (r.MsPerToken != r.Prediction.DecodeMsPerToken || r.PeakMemoryBytes != r.Prediction.PeakMemoryBytes) {
			t.Errorf("predicted candidate does not use its prediction")
		}
	}

	// Every excluded candidate must be infeasible by the values used.
	kept := map[Query]bool{}
	for _, r := range recs {
		kept[r.Query] = true
	}
	for _, c := range cands {
		if kept[c.Query] || c.Measured != nil {
			continue
		}
		p := f.Predict(c.Query)
		if p.PeakMemoryBytes <= budget && p.DecodeMsPerToken <= maxMs {
			t.Errorf("%s %s ctx %d is feasible (%.1f ms, %d bytes) but was left out", c.Model, c.Precision, c.Context, p.DecodeMsPerToken, p.PeakMemoryBytes)
		}
	}
	if len(f.Recommend(cands, 1, maxMs)) != 0 {
		t.Error("recommended something within a budget of one byte")
	}
}

func TestBoundariesGrowWithBudget(t *testing.T) {
	f, _ := cpuFit(t)
	var qs []Query
	for _, c := range candidates(t, append(gpt2Sizes, "gpt2-xl"), []int{1024}) {
		for _, b := range []int{1, 4} {
			q := c.Query
			q.Batch = b
			qs = append(qs, q)
		}
	}
	prev := make([]int, len(qs))
	var grew bool
	for budget := int64(256 << 20); budget <= 16<<30; budget *= 2 {
		for i, b := range f.Boundaries(qs, budget, nil) {
			if b.MaxContext < prev[i] {
				t.Errorf("%s %s batch %d: max context %d at %d MiB, %d at half that", b.Model, b.Precision, b.Batch, b.MaxContext, budget>>20, prev[i])
			}
			grew = grew || b.MaxContext > prev[i]
			if b.MaxContext > 0 {
				q := qs[i]
				q.Context = b.MaxContext
				if peak := f.Predict(q).PeakMemoryBytes; peak > budget {
					t.Errorf("%s %s: context %d predicted at %d bytes, over the budget %d", b.Model, b.Precision, b.MaxContext, peak, budget)
				}
			}
			prev[i] = b.MaxContext
		}
	}
	if !grew {
		t.Error("no boundary moved across budgets from 256 MiB to 16 GiB")
	}
}

func TestBoundariesHonorMeasurements(t *testing.T) {
	f, _ := cpuFit(t)
	q := candidates(t, []string{"gpt2-medium"}, []int{1024})[0].Query
	const budget = 4 << 30
	pred := f.Boundaries([]Query{q}, budget, nil)[0]
	if pred.MaxContext != 1024 || pred.Measured {
		t.Fatalf("predicted boundary %+v, want all 1024 tokens to fit %d GiB", pred, budget>>30)
	}
	run := func(status string, ctx int, peak, limit int64) Observation {
		return Observation{Model: q.Model, Precision: q.Precision, Batch: 1, Status: status, Context: ctx, PeakMemoryBytes: peak, MemoryLimitBytes: limit}
	}
	for _, c := range []struct {
		name     string
		runs     []Observation
		atMost   int // the boundary must be below a measured failure
		atLeast  int // and at least a measured fit
		measured bool
	}{
		{"oom on this machine", []Observation{run(StatusOOM, 512, 0, 0)}, 511, 1, true},
		{"oom under a smaller limit says nothing", []Observation{run(StatusOOM, 512, 0, 1<<30)}, 1024, 1024, false},
		{"oom under a larger limit", []Observation{run(StatusOOM, 512, 0, 8<<30)}, 511, 1, true},
		{"measured over budget", []Observation{run(StatusOK, 768, 5<<30, 0)}, 767, 1, true},
		{"measured fit beyond a failure", []Observation{run(StatusOOM, 256, 0, 0), run(StatusOK, 384, 1<<30, 0)}, 384, 384, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := f.Boundaries([]Query{q}, budget, c.runs)[0]
			if b.MaxContext > c.atMost || b.MaxContext < c.atLeast || b.Measured != c.measured {
				t.Errorf("boundary %+v, want max context in [%d, %d], measured %v", b, c.atLeast, c.atMost, c.measured)
			}
		})
	}
}
