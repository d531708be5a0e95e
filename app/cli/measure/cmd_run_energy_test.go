package measure_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/engine/power"
	"github.com/inferbench/inferbench/storage"
)

// raplTree is a powercap fixture tree whose one package counter a goroutine advances at a
// steady draw, as the kernel would, until the test ends.
func raplTree(t *testing.T, watts float64) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "sys/class/powercap/intel-rapl:0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, v string) {
		// Written whole and renamed, so a reader never sees half a number.
		tmp := filepath.Join(dir, "."+name)
		if err := os.WriteFile(tmp, []byte(v+"\n"), 0o644); err != nil {
			t.Error(err)
		}
		os.Rename(tmp, filepath.Join(dir, name))
	}
	write("name", "package-0")
	write("max_energy_range_uj", "262143328850")
	start := time.Now()
	write("energy_uj", "0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			write("energy_uj", fmt.Sprint(int64(watts*time.Since(start).Seconds()*1e6)))
			time.Sleep(2 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return root
}

func TestRunRecordsEnergy(t *testing.T) {
	env := clitest.Env(t, true)
	root := raplTree(t, 20)
	env.Meter = func(context.Context) power.Meter {
		m, err := power.OpenRAPL(root)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	db := filepath.Join(t.TempDir(), "runs.db")
	r := clitest.Run(t, env, "run", "--model", "tiny-gpt2", "--precision", "fp32", "--context", "16", "--generate", "8",
		"--repeats", "3", "--db", db)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	runs := clitest.StoredRuns(t, db)
	if len(runs) != 1 {
		t.Fatalf("%d runs stored", len(runs))
	}
	run := runs[0]
	if run.PowerSourceMeter != power.SourceRAPL || run.EnergyJ == nil || run.JoulesPerToken == nil || run.DecodeWatts == nil {
		t.Fatalf("stored meter %q, energy %v, J/token %v, decode W %v", run.PowerSourceMeter, run.EnergyJ, run.JoulesPerToken, run.DecodeWatts)
	}
	// The counter rises at 20 W; readings every 250 ms bracket each repetition, so the average
	// over decode lands near it (loosely: the counter's writer shares a busy machine).
	if *run.DecodeWatts < 5 || *run.DecodeWatts > 80 {
		t.Errorf("decode draw %.2f W from a counter rising at 20 W", *run.DecodeWatts)
	}
	store, err := storage.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	full, err := store.Run(context.Background(), run.ID)
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	// A level shift may have extended the run: count the repetitions stored.
	var sum float64
	for _, s := range full.Samples {
		if s.EnergyJ == nil || s.JoulesPerToken == nil {
			t.Fatalf("repetition %d has no energy", s.Rep)
		}
		sum += *s.EnergyJ
	}
	if want := *run.EnergyJ / float64(8*len(full.Samples)); *run.JoulesPerToken < want*0.999 || *run.JoulesPerToken > want*1.001 {
		t.Errorf("J/token %v, want energy over %d tokens = %v", *run.JoulesPerToken, 8*len(full.Samples), want)
	}
	if sum < *run.EnergyJ*0.999 || sum > *run.EnergyJ*1.001 {
		t.Errorf("repetitions' energy adds to %v J, the run's is %v J", sum, *run.EnergyJ)
	}
	clitest.MustContain(t, "run's table", r.Stdout, "J per token", "rapl")

	// Without a readable meter the run is measured and stored all the same, its energy unknown.
	env.Meter = func(context.Context) power.Meter {
		if _, err := power.OpenRAPL(t.TempDir()); err == nil {
			t.Fatal("an empty tree opened as RAPL")
		}
		return nil
	}
	if r := clitest.Run(t, env, "run", "--model", "tiny-gpt2", "--precision", "fp32", "--context", "16", "--generate", "4",
		"--repeats", "2", "--db", db); r.Code != 0 {
		t.Fatalf("exit %d without a meter: %s", r.Code, r.Stderr)
	}
	runs = clitest.StoredRuns(t, db)
	if runs[0].PowerSourceMeter != power.SourceUnknown || runs[0].EnergyJ != nil || runs[0].Status != "ok" {
		t.Errorf("without a meter: source %q, energy %v, status %s", runs[0].PowerSourceMeter, runs[0].EnergyJ, runs[0].Status)
	}
}
