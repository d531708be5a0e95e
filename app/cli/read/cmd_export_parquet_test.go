package read_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/storage"
)

// readParquet has pyarrow read a Parquet file and print its columns, their Arrow types and its
// rows as JSON.
const readParquet = `
import json, sys
import pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
print(json.dumps({"names": t.column_names, "types": [str(f.type) for f in t.schema], "rows": t.to_pylist()}))
`

type arrowTable struct {
	Names []string         `json:"names"`
	Types []string         `json:"types"`
	Rows  []map[string]any `json:"rows"`
}

func pyarrowRead(t *testing.T, path string) arrowTable {
	t.Helper()
	py := apptest.Python(t)
	if err := exec.Command(py, "-c", "import pyarrow").Run(); err != nil {
		if os.Getenv("INFERBENCH_TEST_PYTHON") != "" {
			t.Fatalf("%s cannot import pyarrow (make setup installs it from requirements-dev.txt): %v", py, err)
		}
		t.Skip("no pyarrow in " + py + ": run make setup")
	}
	out, err := exec.Command(py, "-c", readParquet, path).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("pyarrow could not read %s: %v\n%s", path, err, stderr)
	}
	var tab arrowTable
	if err := json.Unmarshal(out, &tab); err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestExportParquetReadByPyarrow(t *testing.T) {
	env := clitest.Env(t, false)
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	storeRuns(t, db, "0.32.4", 1, map[int]float64{128: 100, 512: 90})
	// A run with energy, clocks and a throttled mark, and a failed one whose aggregates are null.
	store, err := storage.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := store.Runs(context.Background(), storage.RunFilter{})
	j, mhz := 2.5, 3200.0
	tps := 50.0
	if _, err := store.InsertRun(context.Background(), &storage.Run{MachineID: runs[0].MachineID, Model: "gpt2", ModelSource: "catalog",
		Weights: "random", Precision: "int4", Context: 128, Generate: 8, Batch: 1, Repeats: 1, Status: storage.StatusOK,
		LowPower: "unknown", JoulesPerToken: &j, EnergyJ: &j, PowerSourceMeter: "rapl", CPUClockMHzMin: &mhz, Throttled: true,
		DecodeTokensPerSec: &tps, Samples: []storage.Sample{{Rep: 0, TTFTMs: 1, PrefillTokensPerSec: 1, DecodeTokensPerSec: &tps,
			TokenLatenciesMs: []float64{20, 20.5}, JoulesPerToken: &j}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.InsertRun(context.Background(), &storage.Run{MachineID: runs[0].MachineID, Model: "gpt2-xl", ModelSource: "catalog",
		Weights: "random", Precision: "fp32", Context: 1024, Generate: 8, Batch: 8, Repeats: 3, Status: storage.StatusOOM,
		Error: "out of memory", LowPower: "unknown"}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	out := filepath.Join(dir, "runs.parquet")
	if r := clitest.Run(t, env, "export", "--db", db, "--format", "parquet", "--out", out); r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	tab := pyarrowRead(t, out)
	var names []string
	for _, c := range report.RunColumns() {
		names = append(names, c.Name)
	}
	if !slices.Equal(tab.Names, names) {
		t.Errorf("columns\n%v\nwant the run columns in order\n%v", tab.Names, names)
	}
	want := map[string]string{"run_id": "int64", "decode_tokens_per_sec": "double", "model": "string", "throttled": "bool"}
	for i, n := range tab.Names {
		if w, ok := want[n]; ok && tab.Types[i] != w {
			t.Errorf("%s is %s, want %s", n, tab.Types[i], w)
		}
	}
	if len(tab.Rows) != 4 {
		t.Fatalf("%d rows, want 4", len(tab.Rows))
	}
	newest, oom := tab.Rows[0], tab.Rows[0]
	for _, r := range tab.Rows {
		if r["status"] == "oom" {
			oom = r
		}
		if r["precision"] == "int4" {
			newest = r
		}
	}
	if newest["joules_per_token"] != 2.5 || newest["throttled"] != true || newest["power_source_meter"] != "rapl" || newest["cpu_clock_mhz_min"] != 3200.0 {
		t.Errorf("the metered run reads back as %v", newest)
	}
	if oom["decode_tokens_per_sec"] != nil || oom["error"] != "out of memory" || oom["throttled"] != false {
		t.Errorf("the failed run reads back as %v", oom)
	}

	samples := filepath.Join(dir, "samples.parquet")
	if r := clitest.Run(t, env, "export", "--db", db, "--format", "parquet", "--samples", "--out", samples); r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	st := pyarrowRead(t, samples)
	if len(st.Rows) != 17 {
		t.Errorf("%d sample rows, want 8 + 8 + 1", len(st.Rows))
	}
	if i := slices.Index(st.Names, "token_latencies_ms"); i < 0 || !strings.HasPrefix(st.Types[i], "list<element: double") {
		t.Errorf("token_latencies_ms: %v", st.Types)
	}
	for _, r := range st.Rows {
		if r["precision"] == "int4" {
			if lat, _ := r["token_latencies_ms"].([]any); len(lat) != 2 || lat[1] != 20.5 {
				t.Errorf("latencies read back as %v", r["token_latencies_ms"])
			}
		}
	}
}
