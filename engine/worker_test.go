package engine

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func startLoaded(t *testing.T, model, precision string) *Worker {
	t.Helper()
	w, err := StartWorker(context.Background(), workerSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Kill)
	if _, err := w.Load(context.Background(), LoadRequest{Model: model, Precision: precision, Weights: "random"}); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWorkerMeasuresBatches(t *testing.T) {
	w := startLoaded(t, "tiny-llama", "fp32")
	h := w.Hello()
	if h.Protocol != ProtocolVersion || h.MLX == "" || h.Backend == "" || h.MemoryBytes <= 0 {
		t.Fatalf("hello = %+v", h)
	}
	var rate [2]float64
	for k, batch := range []int{1, 4} {
		req := MeasureRequest{Context: 32, Generate: 9, Batch: batch, Warmup: 1, Repeats: 3}
		var progress []Progress
		samples, err := w.Measure(context.Background(), req, func(p Progress) { progress = append(progress, p) })
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		if len(samples) != 3 || len(progress) != 4 || !progress[0].Warmup {
			t.Fatalf("batch %d: %d samples, progress %+v", batch, len(samples), progress)
		}
		for _, s := range samples {
			if len(s.TokenLatenciesMs) != 8 || s.DecodeTokensPerSec == nil || s.PeakMemoryBytes <= 0 {
				t.Fatalf("batch %d: sample %+v", batch, s)
			}
			// tokens/s counts every sequence of the batch.
			want := float64(batch) * 8 / (s.DecodeMs / 1000)
			if d := *s.DecodeTokensPerSec/want - 1; d > 0.01 || d < -0.01 {
				t.Fatalf("batch %d: decode tokens/s %v, want batch×tokens/time = %v", batch, *s.DecodeTokensPerSec, want)
			}
		}
		rate[k] = *Summarize(samples).PrefillTokensPerSec
	}
	if rate[0] <= 0 || rate[1] <= 0 {
		t.Fatalf("prefill rates %v", rate)
	}
}

func TestWorkerRefusesBadRequests(t *testing.T) {
	w := startLoaded(t, "tiny-gpt2", "fp32")
	_, err := w.Measure(context.Background(), MeasureRequest{Context: 250, Generate: 10, Batch: 1, Repeats: 1}, nil)
	var reqErr *RequestError
	if !errors.As(err, &reqErr) || reqErr.Kind != KindInvalid {
		t.Fatalf("context beyond positions: err = %v, want an invalid RequestError", err)
	}
	// The worker stays usable after refusing.
	if _, err := w.Measure(context.Background(), MeasureRequest{Context: 8, Generate: 2, Batch: 1, Repeats: 1}, nil); err != nil {
		t.Fatalf("after an invalid request: %v", err)
	}
}

func TestWorkerKilledFromOutsideIsNotOOM(t *testing.T) {
	w := startLoaded(t, "tiny-llama", "fp32")
	ctx := context.Background()
	errc := make(chan error, 1)
	started := make(chan struct{}, 64)
	go func() {
		_, err := w.Measure(ctx, MeasureRequest{Context: 256, Generate: 200, Batch: 8, Warmup: 0, Repeats: 1000},
			func(Progress) { started <- struct{}{} })
		errc <- err
	}()
	<-started
	if err := syscall.Kill(w.Hello().PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-errc
	var exit *ExitError
	if !errors.As(err, &exit) || exit.OOM() || !exit.KilledOutside() {
		t.Fatalf("err = %v, want an ExitError of a kill from outside, not out of memory", err)
	}
	if !strings.Contains(err.Error(), "killed by signal 9 (killed) from outside Inferbench") {
		t.Fatalf("message %q does not explain the death", err)
	}
}

func TestWorkerCancelKillsAtOnce(t *testing.T) {
	w := startLoaded(t, "tiny-llama", "fp32")
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 64)
	errc := make(chan error, 1)
	go func() {
		_, err := w.Measure(ctx, MeasureRequest{Context: 256, Generate: 200, Batch: 8, Repeats: 1000},
			func(Progress) { started <- struct{}{} })
		errc <- err
	}()
	<-started
	t0 := time.Now()
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if w.Alive() {
		t.Fatal("worker still running after cancel")
	}
	if d := time.Since(t0); d > time.Second {
		t.Fatalf("cancel took %s, want under a second", d)
	}
}

func TestWorkerExitsWhenStdinCloses(t *testing.T) {
	w := startLoaded(t, "tiny-llama", "fp32")
	if err := w.send(map[string]any{"type": "measure", "id": "long", "context": 256, "generate": 200,
		"batch": 8, "warmup": 0, "repeats": 1000, "seed": 0}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // mid-measurement
	t0 := time.Now()
	w.stopReading() // what the owner's death does: its end of the pipe closes
	select {
	case <-w.exited:
	case <-time.After(5 * time.Second):
		t.Fatal("worker still running 5 s after its stdin closed")
	}
	if w.waitErr != nil || w.killed.Load() {
		t.Fatalf("worker did not exit by itself: %v (killed=%v)", w.waitErr, w.killed.Load())
	}
	t.Logf("exited %s after stdin closed", time.Since(t0))
}

func TestWorkerMisbehaving(t *testing.T) {
	hello := `{"type":"hello","protocol":2,"pid":1,"python":"3","mlx":"0.32.4","mlx_lm":"0.32.2","backend":"cpu","device":"fake","memory_bytes":1,"recommended_working_set_bytes":null}`
	tests := []struct {
		name   string
		script string
		start  string // error substring from StartWorker, or "" when start succeeds
		load   string // error substring from Load
	}{
		{"missing mlx", `echo "ModuleNotFoundError: No module named 'mlx'" >&2; exit 1`, "run `inferbench setup`", ""},
		{"old protocol", `echo '{"type":"hello","protocol":0,"backend":"cpu","mlx":"0.1"}'; sleep 5`, "speaks protocol 0", ""},
		{"garbage first line", `echo 'Illegal instruction'; sleep 5`, "not a JSON object", ""},
		{"malformed line after load", `echo '` + hello + `'; read line; echo '{"type":"loaded", oops'; sleep 5`, "", "not a JSON object"},
		{"answer to another request", `echo '` + hello + `'; read line; echo '{"type":"done","id":"other","repeats":1}'; sleep 5`, "", "answer for request other"},
		{"crash during load", `echo '` + hello + `'; read line; echo 'Segmentation fault' >&2; kill -SEGV $$`, "", "killed by signal 11 (segmentation fault)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := WorkerSpec{Python: fakeInterpreter(t, tt.script), Dir: t.TempDir(), StartTimeout: 10 * time.Second}
			w, err := StartWorker(context.Background(), spec)
			if tt.start != "" {
				if err == nil || !strings.Contains(err.Error(), tt.start) {
					t.Fatalf("start error = %v, want it to contain %q", err, tt.start)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer w.Kill()
			_, err = w.Load(context.Background(), LoadRequest{Model: "tiny-gpt2", Precision: "fp32", Weights: "random"})
			if err == nil || !strings.Contains(err.Error(), tt.load) {
				t.Fatalf("load error = %v, want it to contain %q", err, tt.load)
			}
			if w.Alive() {
				t.Fatal("a worker that broke the protocol or died must not be left running")
			}
		})
	}
}

// TestWorkerEndlessLine: a worker that writes a line without end is stopped as soon as the
// line passes MaxLineBytes, and reading it holds no more than that.
func TestWorkerEndlessLine(t *testing.T) {
	hello := `{"type":"hello","protocol":2,"pid":1,"python":"3","mlx":"0.32.4","mlx_lm":"0.32.2","backend":"cpu","device":"fake","memory_bytes":1,"recommended_working_set_bytes":null}`
	spec := WorkerSpec{Python: fakeInterpreter(t, `echo '`+hello+`'; read line; printf '{"type":"loaded","note":"'; exec tr '\\0' a < /dev/zero`), Dir: t.TempDir(), StartTimeout: time.Minute}
	w, err := StartWorker(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Kill()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = w.Load(context.Background(), LoadRequest{Model: "tiny-gpt2", Precision: "fp32", Weights: "random"})
	runtime.ReadMemStats(&after)
	var perr *ProtocolError
	if !errors.As(err, &perr) || !strings.Contains(err.Error(), "a line longer than") {
		t.Fatalf("err = %v, want a protocol error for a line that is too long", err)
	}
	if w.Alive() {
		t.Fatal("a worker that wrote an endless line is still running")
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 100<<20 {
		t.Fatalf("reading the line allocated %d MB, want it bounded near %d MB", grown>>20, MaxLineBytes>>20)
	}
}

func TestReadLine(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
		tooLong  bool
	}{
		{"short", "abc\ndef\n", 10, "abc\n", false},
		{"exactly max", "abcd\n", 5, "abcd\n", false},
		{"one over", "abcde\n", 5, "abcde\n", true},
		{"no newline at EOF", "abc", 10, "abc", false},
		{"far beyond the buffer", strings.Repeat("x", 100_000), 50_000, strings.Repeat("x", 200), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReaderSize(strings.NewReader(tt.in), 16)
			got, err := readLine(r, tt.max)
			if errors.Is(err, errLineTooLong) != tt.tooLong || string(got) != tt.want {
				t.Fatalf("readLine = %q, %v; want %q, too long %v", got, err, tt.want, tt.tooLong)
			}
		})
	}
}

func TestWorkerHelloDeadline(t *testing.T) {
	spec := WorkerSpec{Python: fakeInterpreter(t, "sleep 30"), Dir: t.TempDir(), StartTimeout: 300 * time.Millisecond}
	t0 := time.Now()
	_, err := StartWorker(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "did not say hello within") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(t0) > 5*time.Second {
		t.Fatalf("hello deadline not enforced: took %s", time.Since(t0))
	}
}

// A relative interpreter path is this process's, though the worker runs in its own folder.
func TestStartWorkerRelativePython(t *testing.T) {
	spec := workerSpec(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, spec.Python)
	if err != nil || !strings.ContainsRune(rel, filepath.Separator) {
		t.Skipf("no relative path to %s from %s", spec.Python, wd)
	}
	spec.Python = rel
	w, err := StartWorker(context.Background(), spec)
	if err != nil {
		t.Fatalf("StartWorker(%q): %v", rel, err)
	}
	defer w.Close()
	if h := w.Hello(); h.Protocol != ProtocolVersion || h.MLX == "" {
		t.Errorf("hello = %+v", h)
	}
}
