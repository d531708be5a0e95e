package engine

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
)

// testCatalog is the real catalog the binary embeds.
func testCatalog(t *testing.T) *Catalog {
	t.Helper()
	cat, err := ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// workerSpec starts the real worker from the source tree with the project's interpreter.
// `make test` sets INFERBENCH_TEST_PYTHON, and then a missing interpreter fails the test
// instead of skipping it.
func workerSpec(t *testing.T) WorkerSpec {
	t.Helper()
	py := os.Getenv("INFERBENCH_TEST_PYTHON")
	required := py != ""
	if py == "" {
		py, _ = filepath.Abs("../.venv/bin/python")
	}
	if _, err := os.Stat(py); err != nil {
		if required {
			t.Fatalf("INFERBENCH_TEST_PYTHON=%s: %v", py, err)
		}
		t.Skipf("no Python environment with MLX at %s: run make setup", py)
	}
	dir, err := filepath.Abs("../Resources/worker")
	if err != nil {
		t.Fatal(err)
	}
	return WorkerSpec{Python: py, Dir: dir, StartTimeout: 2 * time.Minute}
}

// fakeInterpreter writes an executable script that stands in for python, to make a worker
// process misbehave in ways the real one does not.
func fakeInterpreter(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "python")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
