package power

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func at(sec float64) time.Time { return time.Unix(0, int64(sec*1e9)) }

func TestSummarizeCounter(t *testing.T) {
	// A counter rising at exactly 100 W, read every 0.25 s from t=10 to t=20.
	var rs []Reading
	for i := 0; i <= 40; i++ {
		ts := 10 + 0.25*float64(i)
		rs = append(rs, Reading{At: at(ts), EnergyJ: 5000 + 100*(ts-10), HasEnergy: true})
	}
	windows := []Window{
		{Start: 11.1, FirstToken: 11.2, End: 13.6, Tokens: 50},   // 2.5 s, shorter pieces than a sample
		{Start: 14.05, FirstToken: 14.3, End: 16.55, Tokens: 50}, // 2.5 s
	}
	s := Summarize(SourceRAPL, rs, windows)
	for _, tt := range []struct {
		name string
		got  *float64
		want float64
	}{
		{"energy_j", s.EnergyJ, 500},
		{"joules_per_token", s.JoulesPerToken, 5},
		{"prefill_watts", s.PrefillWatts, 100},
		{"decode_watts", s.DecodeWatts, 100},
		{"rep 0 energy", s.Reps[0].EnergyJ, 250},
		{"rep 1 joules per token", s.Reps[1].JoulesPerToken, 5},
	} {
		if tt.got == nil || math.Abs(*tt.got-tt.want) > 1e-6 {
			t.Errorf("%s = %v, want %v", tt.name, deref(tt.got), tt.want)
		}
	}
	// A window the readings do not cover has no energy, and then the run has none either.
	s = Summarize(SourceRAPL, rs, append(windows, Window{Start: 19, FirstToken: 19.5, End: 21, Tokens: 50}))
	if s.Reps[2].EnergyJ != nil || s.EnergyJ != nil {
		t.Errorf("an uncovered window got energy %v, run %v", deref(s.Reps[2].EnergyJ), deref(s.EnergyJ))
	}
}

func TestSummarizePowerDraw(t *testing.T) {
	// Power rising linearly from 100 W to 200 W over 10 s: energy from 2 s to 4 s is the
	// trapezoid's area, 2 × 130 W.
	var rs []Reading
	for i := 0; i <= 10; i++ {
		rs = append(rs, Reading{At: at(float64(i)), Watts: 100 + 10*float64(i), HasWatts: true})
	}
	s := Summarize(SourceNVIDIASMI, rs, []Window{{Start: 2, FirstToken: 3, End: 4, Tokens: 26}})
	if s.EnergyJ == nil || math.Abs(*s.EnergyJ-260) > 1e-9 {
		t.Fatalf("energy_j = %v, want 260", deref(s.EnergyJ))
	}
	if math.Abs(*s.PrefillWatts-125) > 1e-9 || math.Abs(*s.DecodeWatts-135) > 1e-9 {
		t.Errorf("prefill %v W, decode %v W; want 125 and 135", *s.PrefillWatts, *s.DecodeWatts)
	}
	if s.Source != SourceNVIDIASMI {
		t.Errorf("source %q", s.Source)
	}
}

func TestThrottled(t *testing.T) {
	for _, tt := range []struct {
		name      string
		cpu, gpu  []float64
		throttled bool
	}{
		{"steady", []float64{3000, 3000, 2990, 3000}, nil, false},
		{"a 7% dip", []float64{3000, 2800, 2900}, nil, false},
		{"cpu fell 15%", []float64{3000, 2950, 2550, 2600}, nil, true},
		{"gpu fell 20%", []float64{3000, 3000, 3000}, []float64{1980, 1980, 1500}, true},
		{"rising from idle is not throttling", []float64{1200, 3000, 3000}, nil, false},
		{"no clocks", nil, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var rs []Reading
			for i := range max(len(tt.cpu), len(tt.gpu)) {
				r := Reading{At: at(float64(i))}
				if i < len(tt.cpu) {
					r.CPUMHz = tt.cpu[i]
				}
				if i < len(tt.gpu) {
					r.GPUMHz = tt.gpu[i]
				}
				rs = append(rs, r)
			}
			s := Summarize(SourceUnknown, rs, nil)
			if s.Throttled != tt.throttled {
				t.Errorf("throttled = %v, want %v", s.Throttled, tt.throttled)
			}
			if len(tt.cpu) > 0 && (s.CPU == nil || s.CPU.Min > s.CPU.Median || s.CPU.Median > s.CPU.Max || s.CPU.Max != maxOf(tt.cpu)) {
				t.Errorf("cpu clocks %+v from %v", s.CPU, tt.cpu)
			}
			if len(tt.cpu) == 0 && s.CPU != nil {
				t.Errorf("cpu clocks %+v without readings", s.CPU)
			}
		})
	}
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// An H200 recorded by nvidia-smi during 12 repetitions of gpt2 fp16 (bench/data/h200): each
// line goes through the parser the nvidia-smi meter uses, and the integration must land within
// what the GPU drew and under the board's 700 W limit.
func TestRecordedH200(t *testing.T) {
	f, err := os.Open("testdata/h200-nvidia-smi.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rs []Reading
	lo, hi := math.Inf(1), 0.0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		stamp, rest, _ := strings.Cut(line, " ")
		ts, err := strconv.ParseFloat(stamp, 64)
		if err != nil {
			t.Fatal(err)
		}
		r, err := parseSMI(rest)
		if err != nil {
			t.Fatal(err)
		}
		r.At = at(ts)
		rs = append(rs, r)
		lo, hi = min(lo, r.Watts), max(hi, r.Watts)
	}
	b, err := os.ReadFile("testdata/h200-windows.json")
	if err != nil {
		t.Fatal(err)
	}
	var ws []struct {
		WallStart      float64 `json:"wall_start"`
		WallFirstToken float64 `json:"wall_first_token"`
		WallEnd        float64 `json:"wall_end"`
	}
	if err := json.Unmarshal(b, &ws); err != nil {
		t.Fatal(err)
	}
	var windows []Window
	var seconds float64
	for _, w := range ws {
		windows = append(windows, Window{Start: w.WallStart, FirstToken: w.WallFirstToken, End: w.WallEnd, Tokens: 128})
		seconds += w.WallEnd - w.WallStart
	}
	s := Summarize(SourceNVIDIASMI, rs, windows)
	if s.EnergyJ == nil || s.DecodeWatts == nil || s.JoulesPerToken == nil {
		t.Fatalf("no energy from %d readings over %d windows: %+v", len(rs), len(windows), s)
	}
	if avg := *s.EnergyJ / seconds; avg < lo || avg > hi || avg > 700 {
		t.Errorf("average draw %.1f W outside what was read (%.1f–%.1f W) or above the H200's 700 W", avg, lo, hi)
	}
	if *s.DecodeWatts < lo || *s.DecodeWatts > hi {
		t.Errorf("decode draw %.1f W outside %.1f–%.1f W", *s.DecodeWatts, lo, hi)
	}
	if want := *s.EnergyJ / float64(128*len(windows)); math.Abs(*s.JoulesPerToken-want) > 1e-12 {
		t.Errorf("joules per token %v, want energy over tokens %v", *s.JoulesPerToken, want)
	}
	if s.GPU == nil || s.GPU.Max != 1980 || s.Throttled {
		t.Errorf("gpu clocks %+v, throttled %v; the recording held 1980 MHz", s.GPU, s.Throttled)
	}
}

func TestParseSMI(t *testing.T) {
	for _, tt := range []struct {
		in      string
		watts   float64
		mhz     float64
		wantErr bool
	}{
		{"133.11, 1980\n", 133.11, 1980, false},
		{"75.02, [N/A]", 75.02, 0, false},
		{"[N/A], 1980", 0, 0, true},
		{"garbage", 0, 0, true},
	} {
		r, err := parseSMI(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseSMI(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && (r.Watts != tt.watts || r.GPUMHz != tt.mhz || !r.HasWatts) {
			t.Errorf("parseSMI(%q) = %+v", tt.in, r)
		}
	}
}

func TestNVIDIASMIMeter(t *testing.T) {
	m := &NVIDIASMI{Run: func(context.Context) ([]byte, error) { return []byte("140.5, 1755\n"), nil }}
	r, err := m.Read(context.Background())
	if err != nil || r.Watts != 140.5 || r.GPUMHz != 1755 || r.At.IsZero() {
		t.Errorf("Read = %+v, %v", r, err)
	}
	m.Run = func(context.Context) ([]byte, error) { return nil, errors.New("exit status 9") }
	if _, err := m.Read(context.Background()); err == nil || !strings.Contains(err.Error(), "nvidia-smi") {
		t.Errorf("a failing nvidia-smi gave %v", err)
	}
}

// recordedGPU replays NVML values in order, as a GPU returned them.
type recordedGPU struct {
	energyMJ []uint64 // nil: no energy counter (before Volta)
	powerMW  []uint32
	smMHz    []uint32
	i        int
	closed   bool
}

func (g *recordedGPU) TotalEnergyMJ() (uint64, error) {
	if g.energyMJ == nil {
		return 0, errors.New("NVML error 3") // NVML_ERROR_NOT_SUPPORTED
	}
	v := g.energyMJ[min(g.i, len(g.energyMJ)-1)]
	g.i++
	return v, nil
}
func (g *recordedGPU) PowerMW() (uint32, error) {
	v := g.powerMW[min(g.i, len(g.powerMW)-1)]
	g.i++
	return v, nil
}
func (g *recordedGPU) SMClockMHz() (uint32, error) { return g.smMHz[min(g.i, len(g.smMHz)-1)], nil }
func (g *recordedGPU) Close() error                { g.closed = true; return nil }

func TestNVMLMeter(t *testing.T) {
	// The probe in newNVML reads once; the meter then reads the recorded counter.
	gpu := &recordedGPU{energyMJ: []uint64{0, 1_000_000, 1_133_110}, smMHz: []uint32{1980}}
	m, err := newNVML(gpu, func() float64 { return 2400 })
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Read(context.Background())
	if err != nil || !r.HasEnergy || r.EnergyJ != 1000 || r.GPUMHz != 1980 || r.CPUMHz != 2400 || m.Source() != SourceNVML {
		t.Errorf("Read = %+v, %v", r, err)
	}
	old := &recordedGPU{powerMW: []uint32{0, 145_020}, smMHz: []uint32{1410}}
	if m, err = newNVML(old, nil); err != nil {
		t.Fatal(err)
	}
	r, err = m.Read(context.Background())
	if err != nil || r.HasEnergy || !r.HasWatts || r.Watts != 145.02 {
		t.Errorf("a GPU without an energy counter: Read = %+v, %v", r, err)
	}
	m.Close()
	if !old.closed {
		t.Error("Close did not close the device")
	}
}

// writeZone writes a powercap zone of the fixture tree.
func writeZone(t *testing.T, root, name, kind string, uj, rangeUJ uint64) {
	t.Helper()
	dir := filepath.Join(root, "sys/class/powercap", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for file, v := range map[string]string{"name": kind + "\n", "energy_uj": strconv.FormatUint(uj, 10) + "\n",
		"max_energy_range_uj": strconv.FormatUint(rangeUJ, 10) + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRAPL(t *testing.T) {
	root := t.TempDir()
	writeZone(t, root, "intel-rapl:0", "package-0", 1_000_000, 262_143_328_850)
	writeZone(t, root, "intel-rapl:1", "package-1", 262_143_000_000, 262_143_328_850) // about to wrap
	writeZone(t, root, "intel-rapl:0:0", "core", 500_000, 262_143_328_850)            // inside package-0
	writeZone(t, root, "intel-rapl:0:1", "dram", 500_000, 262_143_328_850)
	r, err := OpenRAPL(root)
	if err != nil {
		t.Fatal(err)
	}
	// package-0 gains 3 J; package-1 gains 0.328850 J to its wrap and 1.671150 J after it.
	writeZone(t, root, "intel-rapl:0", "package-0", 4_000_000, 262_143_328_850)
	writeZone(t, root, "intel-rapl:1", "package-1", 1_671_150, 262_143_328_850)
	writeZone(t, root, "intel-rapl:0:0", "core", 9_500_000, 262_143_328_850)
	got, err := r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !got.HasEnergy || math.Abs(got.EnergyJ-5) > 1e-9 || r.Source() != SourceRAPL {
		t.Errorf("energy %v J (has %v), want 5 J from the two packages only", got.EnergyJ, got.HasEnergy)
	}
}

func TestRAPLUnreadable(t *testing.T) {
	root := t.TempDir()
	if _, err := OpenRAPL(root); err == nil {
		t.Error("a tree without powercap opened")
	}
	writeZone(t, root, "intel-rapl:0", "package-0", 1, 10)
	if err := os.Remove(filepath.Join(root, "sys/class/powercap/intel-rapl:0/energy_uj")); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRAPL(root); err == nil {
		t.Error("a zone without a readable counter opened")
	}
}

func TestCPUFreq(t *testing.T) {
	root := t.TempDir()
	if got := CPUFreq(root); got != 0 {
		t.Errorf("no cpufreq: %v MHz, want 0", got)
	}
	for cpu, khz := range map[string]string{"cpu0": "2400000", "cpu1": "3100000", "cpu2": "800000"} {
		dir := filepath.Join(root, "sys/devices/system/cpu", cpu, "cpufreq")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "scaling_cur_freq"), []byte(khz+"\n"), 0o644)
	}
	if got := CPUFreq(root); got != 3100 {
		t.Errorf("CPUFreq = %v, want the fastest core's 3100 MHz", got)
	}
}

func TestSampler(t *testing.T) {
	m := &countingMeter{}
	s := Start(context.Background(), m, time.Millisecond)
	for m.count() < 3 {
		time.Sleep(time.Millisecond)
	}
	rs := s.Stop(context.Background(), m)
	if len(rs) < 4 {
		t.Fatalf("%d readings, want the periodic ones and a last one", len(rs))
	}
	for i := 1; i < len(rs); i++ {
		if rs[i].EnergyJ <= rs[i-1].EnergyJ {
			t.Fatalf("readings out of order: %v then %v", rs[i-1].EnergyJ, rs[i].EnergyJ)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestIOReportDeltas(t *testing.T) {
	b, err := os.ReadFile("testdata/ioreport-deltas.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		PCPU   []float64     `json:"pcpu_mhz"`
		GPU    []float64     `json:"gpu_mhz"`
		Deltas [][]ioChannel `json:"deltas"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	m := &ioMeter{table: dvfs{PCPU: rec.PCPU, GPU: rec.GPU}}
	for i, want := range []struct{ energy, cpu, gpu float64 }{
		// CPU 1250 mJ + GPU 2.5e9 nJ + DRAM 250 mJ; cluster and SRAM channels are parts of those.
		// PCPU000 half at 2400, half at 3500 MHz; the GPU half at 800, half at 1400 MHz.
		{4.0, 2950, 1100},
		{4.0 + 4.25, 2400, 1400},
	} {
		r, err := m.add(at(float64(i)), rec.Deltas[i])
		if err != nil {
			t.Fatal(err)
		}
		if !r.HasEnergy || math.Abs(r.EnergyJ-want.energy) > 1e-9 || r.CPUMHz != want.cpu || r.GPUMHz != want.gpu {
			t.Errorf("delta %d: %+v, want %v J, CPU %v MHz, GPU %v MHz", i, r, want.energy, want.cpu, want.gpu)
		}
	}
	if _, err := m.add(at(3), []ioChannel{{Group: ioEnergyGroup, Name: "CPU Energy", Unit: "kWh", Value: 1}}); err == nil {
		t.Error("an energy channel in an unknown unit was read")
	}
	if _, err := m.add(at(3), nil); err == nil {
		t.Error("a sample without Energy Model channels was read")
	}
}

func TestParseDVFS(t *testing.T) {
	// (frequency, voltage) pairs: 600 MHz and 3.504 GHz in Hz.
	b := []byte{0x00, 0x46, 0xc3, 0x23, 0x10, 0x02, 0, 0, 0x00, 0xcc, 0xda, 0xd0, 0x38, 0x04, 0, 0}
	got := parseDVFS(b, 1e6)
	if len(got) != 2 || got[0] != 600 || got[1] != 3504 {
		t.Errorf("parseDVFS = %v, want [600 3504]", got)
	}
}
