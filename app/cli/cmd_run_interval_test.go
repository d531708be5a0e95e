package cli

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/inferbench/inferbench/storage"
)

// A run on a machine whose earlier runs of the configuration spread between processes borrows
// that spread: its interval says where a rerun lands, not how alike its own repetitions were.
func TestRunIntervalBorrowsTheMachinesSpread(t *testing.T) {
	env := testEnv(t, true)
	db := filepath.Join(t.TempDir(), "runs.db")
	args := []string{"run", "--model", "tiny-gpt2", "--precision", "fp32", "--context", "16", "--generate", "5",
		"--repeats", "3", "--db", db, "--format", "json"}
	decode := func(r result) map[string]any {
		t.Helper()
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
		}
		return got
	}
	first := decode(cli(t, env, args...))
	if first["decode_ci_basis"] != "repetitions" {
		t.Fatalf("a first run's interval rests on %v, want its repetitions", first["decode_ci_basis"])
	}

	// Four more runs of the configuration, as if measured earlier by fresh processes that
	// strayed from the first by -10%, -5%, +5% and +10%.
	store, err := storage.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := store.Runs(context.Background(), storage.RunFilter{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %v, %v", runs, err)
	}
	base := *runs[0].DecodeTokensPerSec
	units := []float64{base}
	for _, k := range []float64{0.9, 0.95, 1.05, 1.1} {
		r := runs[0]
		r.ID, r.UID = 0, ""
		tps := base * k
		r.DecodeTokensPerSec = &tps
		if _, err := store.InsertRun(context.Background(), &r); err != nil {
			t.Fatal(err)
		}
		units = append(units, tps)
	}
	store.Close()

	got := decode(cli(t, env, args...))
	if got["decode_ci_basis"] != "history" || got["decode_ci_dof"] != 4.0 {
		t.Fatalf("interval rests on %v with %v degrees of freedom, want history with 4", got["decode_ci_basis"], got["decode_ci_dof"])
	}
	var mean, relVar float64
	for _, x := range units {
		mean += x / float64(len(units))
	}
	for _, x := range units {
		relVar += (x/mean - 1) * (x/mean - 1) / float64(len(units)-1)
	}
	tps := got["decode_tokens_per_sec"].(float64)
	want := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: 4}.Quantile(0.975) * tps * math.Sqrt(2*relVar)
	if hw := got["decode_tokens_per_sec_ci95"].(float64); hw < want*(1-1e-9) {
		t.Errorf("interval ±%.3f, want at least the history's ±%.3f", hw, want)
	}
}
