package engine

import (
	"math"
	"testing"
)

func TestRooflineOf(t *testing.T) {
	// gpt2 fp16 on an H200, as measured: 248.9 MB of weights, 36,864 KV bytes a position
	// (12 layers · K and V · 768 values · 2 bytes), context 512, 128 new tokens, 2.0 ms a step.
	cfg := Config{Context: 512, Generate: 128, Batch: 1}
	r, ok := RooflineOf(248_900_000, 36_864, cfg, 2.0, 4800)
	wantBytes := int64(248_900_000 + 36_864*(512+64))
	if !ok || r.BytesPerStep != wantBytes {
		t.Fatalf("bytes per step %d, %v; want %d", r.BytesPerStep, ok, wantBytes)
	}
	if got, want := r.AchievedBandwidthGBs, float64(wantBytes)/0.002/1e9; math.Abs(got-want) > 1e-9 {
		t.Errorf("achieved %v GB/s, want %v", got, want)
	}
	if r.Share > 0.03 || r.Bound != BoundDispatch {
		t.Errorf("share %v bound %q: 135 GB/s of 4.8 TB/s is dispatch-bound", r.Share, r.Bound)
	}
	// The same bytes at the roof's pace: bandwidth-bound.
	fast, _ := RooflineOf(248_900_000, 36_864, cfg, float64(wantBytes)/4800e9*1000/0.9, 4800)
	if fast.Bound != BoundBandwidth || math.Abs(fast.Share-0.9) > 1e-9 {
		t.Errorf("at 90%% of the roof: share %v bound %q", fast.Share, fast.Bound)
	}
	// Batch 8 reads the weights once and eight caches.
	b8, _ := RooflineOf(248_900_000, 36_864, Config{Context: 512, Generate: 128, Batch: 8}, 2.0, 4800)
	if b8.BytesPerStep != 248_900_000+8*36_864*576 {
		t.Errorf("batch 8 bytes per step %d", b8.BytesPerStep)
	}
	unknown, ok := RooflineOf(248_900_000, 36_864, cfg, 2.0, 0)
	if !ok || unknown.Share != 0 || unknown.Bound != "" || unknown.AchievedBandwidthGBs == 0 {
		t.Errorf("unknown peak: %+v", unknown)
	}
	if _, ok := RooflineOf(248_900_000, 36_864, Config{Context: 512, Generate: 1, Batch: 1}, 0, 4800); ok {
		t.Error("a run without decode has no roofline")
	}
}

func TestPeakBandwidthGBs(t *testing.T) {
	tests := []struct {
		device, chip string
		want         float64
	}{
		{"NVIDIA H200", "AMD EPYC", 4800},
		{"NVIDIA H100 PCIe", "", 2000},
		{"NVIDIA H100 80GB HBM3", "", 3350},
		{"Apple M3 Pro", "Apple M3 Pro", 153.6},
		{"", "Apple M4 Max (40-core GPU)", 546},
		{"AMD EPYC", "AMD EPYC 7B13", 0},
	}
	for _, tt := range tests {
		if got := PeakBandwidthGBs(tt.device, tt.chip); got != tt.want {
			t.Errorf("PeakBandwidthGBs(%q, %q) = %v, want %v", tt.device, tt.chip, got, tt.want)
		}
	}
}
