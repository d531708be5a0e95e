package engine

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"

	resources "github.com/inferbench/inferbench/Resources"
)

// Roofline places a run's decode against the memory bandwidth of the device that ran it. Decode
// reads every weight and the whole KV cache once per step, so bytes per step over the time per
// step is the bandwidth the run achieved; its share of the device's peak says how far decode is
// from the memory roof.
type Roofline struct {
	BytesPerStep         int64   // weights + KV cache read per decode step, at the mean position
	AchievedBandwidthGBs float64 // BytesPerStep / median step time
	PeakBandwidthGBs     float64 // the device's; 0 when unknown
	Share                float64 // AchievedBandwidthGBs / PeakBandwidthGBs; 0 when the peak is unknown
	// Bound is BoundDispatch when a layer takes more than twice as long as reading its bytes at
	// the peak (per-kernel launch and host work set the pace), BoundBandwidth otherwise, and ""
	// when the peak is unknown.
	Bound string
}

// Decode bounds.
const (
	BoundDispatch  = "dispatch"
	BoundBandwidth = "bandwidth"
)

// dispatchFactor is how many times the time to read a layer's bytes a layer may take before its
// decode counts as dispatch-bound rather than bandwidth-bound.
const dispatchFactor = 2

// RooflineOf computes the roofline of a measured run: weightBytes and kvBytesPerToken from the
// loaded model, the configuration's batch and lengths, the median step time in ms, and the
// device's peak bandwidth in GB/s (0 when unknown). ok is false when there is no decode to place.
func RooflineOf(weightBytes, kvBytesPerToken int64, cfg Config, stepMs, peakGBs float64) (Roofline, bool) {
	if stepMs <= 0 || weightBytes <= 0 || cfg.Generate < 2 {
		return Roofline{}, false
	}
	// The mean position a decode step attends over: the prompt plus half the new tokens.
	position := float64(cfg.Context) + float64(cfg.Generate)/2
	bytes := weightBytes + int64(float64(cfg.Batch)*float64(kvBytesPerToken)*position)
	r := Roofline{BytesPerStep: bytes, AchievedBandwidthGBs: float64(bytes) / (stepMs / 1000) / 1e9, PeakBandwidthGBs: peakGBs}
	if peakGBs > 0 {
		r.Share = r.AchievedBandwidthGBs / peakGBs
		r.Bound = BoundBandwidth
		if r.Share < 1.0/dispatchFactor {
			r.Bound = BoundDispatch
		}
	}
	return r, true
}

// nvidiaBandwidthGBs is the peak memory bandwidth of NVIDIA data-centre GPUs by the name CUDA
// reports, most specific first.
var nvidiaBandwidthGBs = []struct {
	name string
	gbs  float64
}{
	{"H200", 4800},
	{"H100 PCIe", 2000},
	{"H100", 3350},
	{"A100-SXM4-80GB", 2039},
	{"A100 80GB PCIe", 1935},
	{"A100", 1555},
	{"L40S", 864},
	{"L4", 300},
	{"RTX 4090", 1008},
}

// PeakBandwidthGBs returns the nominal memory bandwidth of the device a worker reported (an
// NVIDIA GPU by its CUDA name) or of the machine's chip (Apple silicon, from the embedded
// table), in GB/s; 0 when neither is known, as for most CPUs.
func PeakBandwidthGBs(device, chip string) float64 {
	for _, g := range nvidiaBandwidthGBs {
		if strings.Contains(device, g.name) {
			return g.gbs
		}
	}
	name := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(chip), "Apple "))
	return appleBandwidthGBs(name)
}

// appleBandwidthGBs looks a chip up in the embedded apple_silicon.csv ("M3 Pro" → 153.6); chips
// the table lists by GPU core count (M3 Max) are not found by name alone.
func appleBandwidthGBs(name string) float64 {
	rows, err := csv.NewReader(bytes.NewReader(resources.AppleSilicon())).ReadAll()
	if err != nil || len(rows) == 0 {
		return 0
	}
	chip, bw := -1, -1
	for i, col := range rows[0] {
		switch col {
		case "chip":
			chip = i
		case "bandwidth_gbs":
			bw = i
		}
	}
	if chip < 0 || bw < 0 {
		return 0
	}
	for _, r := range rows[1:] {
		if r[chip] == name {
			v, _ := strconv.ParseFloat(r[bw], 64)
			return v
		}
	}
	return 0
}
