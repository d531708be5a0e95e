package compare

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/inferbench/inferbench/storage"
)

// runOf builds an ok run whose repetitions draw decode tokens/s around tps (sd 3%), with the
// given peak memory and J/token, over procs processes.
func runOf(seed uint64, tps float64, peak int64, jpt float64, reps, procs int) storage.Run {
	rng := rand.New(rand.NewPCG(seed, 1))
	r := storage.Run{Model: "gpt2", Precision: "fp16", Weights: "random", Context: 128, Generate: 32, Batch: 1,
		Status: storage.StatusOK, Processes: procs, CreatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	for i := range reps {
		d := tps * (1 + 0.03*rng.NormFloat64())
		j := jpt * (1 + 0.03*rng.NormFloat64())
		r.Samples = append(r.Samples, storage.Sample{Rep: i, Process: i % procs, DecodeTokensPerSec: &d,
			PrefillTokensPerSec: 10 * tps * (1 + 0.03*rng.NormFloat64()), PeakMemoryBytes: peak, JoulesPerToken: &j})
	}
	return r
}

func verdicts(rows []Row) map[string]string {
	m := map[string]string{}
	for _, r := range rows {
		m[r.Metric] = r.Verdict
	}
	return m
}

func TestCompare(t *testing.T) {
	base := []storage.Run{runOf(1, 100, 500e6, 2.0, 10, 1)}
	for _, tt := range []struct {
		name string
		cand storage.Run
		want map[string]string
	}{
		{"the same, measured again", runOf(2, 100, 500e6, 2.0, 10, 1),
			map[string]string{"decode_tokens_per_sec": Same, "prefill_tokens_per_sec": Same, "peak_memory_bytes": Same, "joules_per_token": Same}},
		{"decode 20% slower, more memory, fewer joules", runOf(3, 80, 600e6, 1.5, 10, 1),
			map[string]string{"decode_tokens_per_sec": Regression, "prefill_tokens_per_sec": Regression, "peak_memory_bytes": Regression, "joules_per_token": Improvement}},
		{"faster, less memory", runOf(4, 130, 400e6, 2.6, 10, 1),
			map[string]string{"decode_tokens_per_sec": Improvement, "prefill_tokens_per_sec": Improvement, "peak_memory_bytes": Improvement, "joules_per_token": Regression}},
		{"3% slower: inside the 5% threshold", runOf(5, 97, 500e6, 2.0, 40, 1),
			map[string]string{"decode_tokens_per_sec": Same}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows := Compare(base, []storage.Run{tt.cand}, Options{Threshold: DefaultThreshold})
			got := verdicts(rows)
			for metric, want := range tt.want {
				if got[metric] != want {
					t.Errorf("%s: %q, want %q", metric, got[metric], want)
				}
			}
			for _, r := range rows {
				if r.Low == nil || *r.Low > r.Ratio || *r.High < r.Ratio {
					t.Errorf("%s: ratio %v outside its interval [%v, %v]", r.Metric, r.Ratio, deref(r.Low), deref(r.High))
				}
			}
		})
	}
}

func TestCompareIsReproducible(t *testing.T) {
	base, cand := []storage.Run{runOf(1, 100, 1, 1, 8, 1)}, []storage.Run{runOf(2, 95, 1, 1, 8, 1)}
	a, b := Compare(base, cand, Options{}), Compare(base, cand, Options{})
	if *a[0].Low != *b[0].Low || *a[0].High != *b[0].High {
		t.Errorf("two comparisons of the same runs gave [%v, %v] and [%v, %v]", *a[0].Low, *a[0].High, *b[0].Low, *b[0].High)
	}
}

func TestCompareMatching(t *testing.T) {
	base := runOf(1, 100, 1, 1, 4, 1)
	other := runOf(2, 50, 1, 1, 4, 1)
	other.Context = 512 // another configuration: not matched
	limited := runOf(3, 50, 1, 1, 4, 1)
	limited.MemoryLimitBytes = 1 << 30 // the same configuration under a budget: matched
	failed := runOf(4, 1, 1, 1, 4, 1)
	failed.Status = storage.StatusOOM
	rows := Compare([]storage.Run{base}, []storage.Run{other, limited, failed}, Options{})
	if len(rows) == 0 || rows[0].Context != 128 || rows[0].CandidateN != 4 {
		t.Fatalf("rows %+v: want the context-128 run under a budget matched alone", rows)
	}
	if v := verdicts(rows)["decode_tokens_per_sec"]; v != Regression {
		t.Errorf("half the speed under a memory budget: %q", v)
	}
}

func TestUnits(t *testing.T) {
	m := Metrics[0]
	one := runOf(1, 100, 1, 1, 6, 1)
	if got := units([]storage.Run{one}, m); len(got) != 6 {
		t.Errorf("one process: %d units, want its 6 repetitions", len(got))
	}
	three := runOf(2, 100, 1, 1, 9, 3)
	if got := units([]storage.Run{three}, m); len(got) != 3 {
		t.Errorf("three processes: %d units, want one per process", len(got))
	}
	if got := units([]storage.Run{one, one, one}, m); len(got) != 3 {
		t.Errorf("three runs of one process: %d units, want one per run", len(got))
	}
	single := runOf(3, 100, 1, 1, 1, 1)
	rows := Compare([]storage.Run{single}, []storage.Run{single}, Options{})
	if rows[0].Verdict != TooFew || rows[0].Low != nil {
		t.Errorf("one repetition a side: %q with interval %v", rows[0].Verdict, rows[0].Low)
	}
}

func TestParseSelector(t *testing.T) {
	s, err := ParseSelector("db=old.db, mlx=0.31.0,mlx-lm=0.31.1,machine=studio,os=15,since=2026-11-01,until=2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	if s.DB != "old.db" || s.MLX != "0.31.0" || s.MLXLM != "0.31.1" || s.Machine != "studio" || s.OS != "15" ||
		!s.Since.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || !s.Until.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseSelector = %+v", s)
	}
	for _, bad := range []string{"mlx", "colour=red", "since=yesterday", "mlx="} {
		if _, err := ParseSelector(bad); err == nil {
			t.Errorf("ParseSelector(%q) accepted", bad)
		}
	}
	m := storage.StoredMachine{Fingerprint: "abcdef", Machine: storage.Machine{Hostname: "studio", Chip: "Apple M2 Ultra", OSVersion: "15.1"}}
	r := storage.Run{MLXVersion: "0.31.0", MLXLMVersion: "0.31.1", CreatedAt: time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)}
	if !s.Matches(r, m) {
		t.Error("a run on the selected machine, versions and dates does not match")
	}
	for _, tt := range []struct {
		sel  Selector
		want bool
	}{
		{Selector{Machine: "abc"}, true},
		{Selector{Machine: "Apple M2 Ultra"}, true},
		{Selector{Machine: "air"}, false},
		{Selector{OS: "14"}, false},
		{Selector{MLX: "0.32.4"}, false},
		{Selector{Until: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}, false},
	} {
		if got := tt.sel.Matches(r, m); got != tt.want {
			t.Errorf("%s matches: %v, want %v", tt.sel, got, tt.want)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
