package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunnerReusesOneWorkerAcrossModelsAndPrecisions(t *testing.T) {
	r := NewRunner(testCatalog(t), workerSpec(t))
	defer r.Close()
	cfg := Config{Model: "tiny-gpt2", Precision: "fp32", Weights: "random", Context: 16, Generate: 4, Repeats: 2}
	var (
		pids  []int
		peaks []int64
	)
	for _, c := range []Config{cfg, {Model: cfg.Model, Precision: cfg.Precision, Weights: "random", Context: 32, Generate: 4, Batch: 2, Repeats: 2},
		{Model: cfg.Model, Precision: "fp16", Weights: "random", Context: 16, Generate: 4, Repeats: 2},
		{Model: "tiny-llama", Precision: "int8", Weights: "random", Context: 16, Generate: 4, Repeats: 2}, cfg} {
		res, err := r.Run(context.Background(), c.Defaults())
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != StatusOK || len(res.Samples) != 2 || res.Summary.DecodeMsPerToken == nil {
			t.Fatalf("result %+v", res)
		}
		if res.Loaded.Weights != "random" || res.Loaded.Params <= 0 {
			t.Fatalf("loaded %+v", res.Loaded)
		}
		pids = append(pids, res.Hello.PID)
		peaks = append(peaks, *res.Summary.PeakMemoryBytes)
	}
	for i, pid := range pids {
		if pid != pids[0] {
			t.Errorf("run %d started another worker: pids %v", i, pids)
		}
	}
	// The last run repeats the first after two other models were loaded into the same process:
	// their buffers must be gone from its peak memory.
	if first, last := peaks[0], peaks[len(peaks)-1]; float64(last) > 1.05*float64(first) {
		t.Errorf("peak memory grew from %d to %d bytes for the same configuration once other models had been loaded", first, last)
	}
}

func TestRunnerRecordsFailures(t *testing.T) {
	r := NewRunner(testCatalog(t), workerSpec(t))
	defer r.Close()
	long := Config{Model: "tiny-llama", Precision: "fp32", Weights: "random", Context: 256, Generate: 200, Batch: 8, Repeats: 1000}

	// A worker killed by SIGKILL mid-measurement, with no out-of-memory kill on record, is a
	// killed run: a SIGKILL alone is not evidence of memory running out.
	killed := make(chan struct{})
	r.OnProgress = func(_ Config, p Progress) {
		if p.Rep == 0 && !p.Warmup {
			syscall.Kill(r.current.worker.Hello().PID, syscall.SIGKILL)
			close(killed)
		}
	}
	res, err := r.Run(context.Background(), long.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	<-killed
	if res.Status != StatusKilled || !strings.Contains(res.Error, "from outside Inferbench") || len(res.Samples) != 0 {
		t.Fatalf("killed run: status %q error %q samples %d", res.Status, res.Error, len(res.Samples))
	}
	r.OnProgress = nil

	// A measurement past its timeout is stopped and recorded as a timeout.
	slow := long.Defaults()
	slow.Timeout = 500 * time.Millisecond
	t0 := time.Now()
	res, err = r.Run(context.Background(), slow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusTimeout || time.Since(t0) > 30*time.Second {
		t.Fatalf("timeout run: status %q after %s", res.Status, time.Since(t0))
	}

	// The next run works on a fresh worker.
	res, err = r.Run(context.Background(), Config{Model: "tiny-llama", Precision: "fp32", Weights: "random", Context: 8, Generate: 3, Repeats: 1}.Defaults())
	if err != nil || res.Status != StatusOK {
		t.Fatalf("run after failures: %v, %+v", err, res)
	}
}

func TestRunnerInvalidFromWorker(t *testing.T) {
	r := NewRunner(testCatalog(t), workerSpec(t))
	defer r.Close()
	// 64-wide layers cannot be quantized in groups of 128: MLX refuses, and that is bad input.
	_, err := r.Run(context.Background(), Config{Model: "tiny-gpt2", Precision: "int4-g128", Weights: "random", Context: 8, Generate: 2, Repeats: 1}.Defaults())
	var inv *InvalidError
	if !errors.As(err, &inv) || !strings.Contains(err.Error(), "128") {
		t.Fatalf("err = %v, want an InvalidError about group size 128", err)
	}
}

func TestRunnerAdaptiveRepetitions(t *testing.T) {
	r := NewRunner(testCatalog(t), workerSpec(t))
	defer r.Close()
	base := Config{Model: "tiny-gpt2", Precision: "fp32", Weights: "random", Context: 8, Generate: 6, Warmup: 1}.Defaults()
	tests := []struct {
		name          string
		target        float64
		min, max      int
		wantMin, want int // bounds on the repetitions taken
	}{
		// An impossible target runs to the maximum.
		{"unreachable target", 1e-9, 3, 7, 7, 7},
		// A loose target may stop at the minimum, or later while noise on a busy machine keeps
		// the repetitions at two levels; when it stops is checked against the rule below.
		{"loose target", 0.99, 3, 20, 3, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			cfg.TargetCI, cfg.MinRepeats, cfg.Repeats = tt.target, tt.min, tt.max
			res, err := r.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			n := len(res.Samples)
			if n < tt.wantMin || n > tt.want {
				t.Fatalf("took %d repetitions, want %d..%d", n, tt.wantMin, tt.want)
			}
			// The runner stops at the first count that settles, and only there.
			for k := tt.min; k < n; k++ {
				if settled(res.Samples[:k], tt.target) {
					t.Fatalf("settled at %d repetitions but took %d", k, n)
				}
			}
			if n < tt.max && !settled(res.Samples, tt.target) {
				t.Fatalf("stopped at %d repetitions without settling", n)
			}
			for k, s := range res.Samples {
				if s.Rep != k {
					t.Fatalf("repetition %d numbered %d", k, s.Rep)
				}
			}
		})
	}
}

func TestRunnerHelloWorkerLoadsNext(t *testing.T) {
	r := NewRunner(testCatalog(t), workerSpec(t))
	defer r.Close()
	h, err := r.Hello(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(context.Background(), Config{Model: "tiny-gpt2", Precision: "fp32", Weights: "random", Context: 8, Generate: 2, Repeats: 1}.Defaults())
	if err != nil || res.Status != StatusOK {
		t.Fatalf("run: %v %+v", err, res)
	}
	if res.Hello.PID != h.PID {
		t.Fatalf("the worker that said hello (pid %d) was not the one that measured (pid %d)", h.PID, res.Hello.PID)
	}
}

func TestRunnerSplitsRepetitionsOverProcesses(t *testing.T) {
	r := NewRunner(testCatalog(t), workerSpec(t))
	defer r.Close()
	cfg := Config{Model: "tiny-gpt2", Precision: "fp32", Weights: "random", Context: 16, Generate: 4, Repeats: 5, Processes: 3}.Defaults()
	first, err := r.Hello(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusOK || len(res.Samples) != 5 {
		t.Fatalf("status %s, %d samples", res.Status, len(res.Samples))
	}
	var procs, reps []int
	for _, s := range res.Samples {
		procs, reps = append(procs, s.Process), append(reps, s.Rep)
	}
	if fmt.Sprint(procs) != "[0 0 1 1 2]" || fmt.Sprint(reps) != "[0 1 2 3 4]" {
		t.Errorf("processes %v, repetitions %v; want [0 0 1 1 2], [0 1 2 3 4]", procs, reps)
	}
	if res.Summary.Processes != 3 || res.Summary.DecodeTokensPerSecCI95 == nil {
		t.Errorf("summary: %d processes, interval %v", res.Summary.Processes, res.Summary.DecodeTokensPerSecCI95)
	}
	// Each process after the first is new: the one that said hello first is gone.
	if res.Hello.PID == first.PID {
		t.Errorf("the last process is the first one (pid %d)", first.PID)
	}
	if err := syscall.Kill(first.PID, 0); err == nil {
		t.Errorf("the first worker (pid %d) is still alive", first.PID)
	}
}
