package engine

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// h200Processes are the mean decode tokens/s of 8 fresh worker processes, gpt2 fp16, context 512,
// 128 new tokens, batch 1, on an NVIDIA H200 (bench/data/h200/spread-gpt2-fp16-p512-g128.json).
var h200Processes = []float64{333.3, 365.2, 411.0, 398.2, 355.2, 444.1, 425.4, 449.1}

func t975(dof int) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(dof)}.Quantile(0.975)
}

func TestPoolSpread(t *testing.T) {
	tests := []struct {
		name    string
		groups  [][]float64
		wantVar float64
		wantDOF int
	}{
		{"nothing", nil, 0, 0},
		{"groups of one say nothing", [][]float64{{100}, {200}}, 0, 0},
		{"one group", [][]float64{{90, 110}}, 0.02, 1},
		// (0.1² + 0.1²) + (0.2² + 0² + 0.2²) over 1 + 2 degrees of freedom
		{"pooled over groups of different means", [][]float64{{90, 110}, {400, 500, 600}, {7}}, (0.02 + 0.08) / 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PoolSpread(tt.groups)
			if got.DOF != tt.wantDOF || math.Abs(got.RelVar-tt.wantVar) > 1e-12 {
				t.Errorf("PoolSpread = %+v, want RelVar %v DOF %d", got, tt.wantVar, tt.wantDOF)
			}
		})
	}
}

func TestRerunInterval(t *testing.T) {
	prior := Spread{RelVar: 0.01, DOF: 10} // processes stray ±10% on this machine
	tests := []struct {
		name      string
		procs     []float64
		reps      []float64
		prior     Spread
		wantBasis string
		wantDOF   int
		wantHW    float64
	}{
		{"one process, no history: its repetitions", []float64{100}, []float64{99, 101, 100}, Spread{},
			BasisRepetitions, 2, t975(2) * 1 * math.Sqrt(2.0/3)},
		{"three processes, no history: their means", []float64{90, 100, 110}, []float64{90, 100, 110}, Spread{},
			BasisProcesses, 2, t975(2) * 10 * math.Sqrt(2.0/3)},
		{"one process with history: the machine's spread, not its quiet repetitions", []float64{100}, []float64{99, 101, 100}, prior,
			BasisHistory, 10, t975(10) * 100 * math.Sqrt(0.01*2)},
		{"three processes with history: pooled", []float64{90, 100, 110}, nil, prior,
			BasisHistory, 12, t975(12) * 100 * math.Sqrt((0.01*10+0.02)/12*2/3)},
		{"noisy repetitions win over a quiet history", []float64{100}, []float64{50, 150, 100}, Spread{RelVar: 0.0001, DOF: 10},
			BasisHistory, 10, t975(2) * 50 * math.Sqrt(2.0/3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RerunInterval(tt.procs, tt.reps, tt.prior)
			if !ok || got.Basis != tt.wantBasis || got.DOF != tt.wantDOF || math.Abs(got.HalfWidth-tt.wantHW) > 1e-9 {
				t.Errorf("RerunInterval = %+v, %v; want %s, %d dof, half-width %v", got, ok, tt.wantBasis, tt.wantDOF, tt.wantHW)
			}
		})
	}
	if _, ok := RerunInterval([]float64{100}, []float64{100}, Spread{}); ok {
		t.Error("one repetition and no history gave an interval")
	}
}

// With the other seven processes as history, a run of one process must hold the means of the
// others: the interval from its own repetitions held 29% of them.
func TestHistoryIntervalHoldsOtherProcesses(t *testing.T) {
	inside, total := 0, 0
	for i, x := range h200Processes {
		var others []float64
		for j, y := range h200Processes {
			if j != i {
				others = append(others, y)
			}
		}
		iv, ok := RerunInterval([]float64{x}, nil, PoolSpread([][]float64{others}))
		if !ok || iv.Basis != BasisHistory || iv.DOF != 6 {
			t.Fatalf("process %d: %+v, %v", i, iv, ok)
		}
		for _, y := range others {
			total++
			if math.Abs(y-x) <= iv.HalfWidth {
				inside++
			}
		}
	}
	if float64(inside) < 0.9*float64(total) {
		t.Errorf("history intervals held %d of %d other processes, want at least 90%%", inside, total)
	}
}
