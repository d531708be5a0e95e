package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testEnv is an Env whose data and cache live in a temporary home, with the project's test
// interpreter as INFERBENCH_PYTHON. `make test` sets INFERBENCH_TEST_PYTHON; without it, tests
// that need the worker are skipped.
func testEnv(t *testing.T, needWorker bool) Env {
	t.Helper()
	home := t.TempDir()
	vars := map[string]string{"XDG_CACHE_HOME": filepath.Join(home, "cache"), "XDG_DATA_HOME": filepath.Join(home, "data")}
	py := os.Getenv("INFERBENCH_TEST_PYTHON")
	if py == "" {
		py, _ = filepath.Abs("../.venv/bin/python")
	}
	if _, err := os.Stat(py); err == nil {
		vars["INFERBENCH_PYTHON"] = py
	} else if needWorker {
		if os.Getenv("INFERBENCH_TEST_PYTHON") != "" {
			t.Fatalf("INFERBENCH_TEST_PYTHON=%s: %v", py, err)
		}
		t.Skip("no Python environment with MLX: run make setup")
	}
	return Env{Getenv: func(k string) string { return vars[k] }, Home: home, GOOS: "linux", WorkDir: home}
}

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type result struct {
	code           int
	stdout, stderr string
}

func cli(t *testing.T, env Env, args ...string) result {
	t.Helper()
	var out, errb syncBuffer
	code := Main(context.Background(), env, args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}
