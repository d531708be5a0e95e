package sensors

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func clockAt(at *time.Time) func() time.Time { return func() time.Time { return *at } }

// copyTree copies a fixture tree into a new directory that the test may change.
func copyTree(t *testing.T, fixtures ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range fixtures {
		if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", f))); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeTree writes files, given relative to root, creating their folders.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLinuxFixtures(t *testing.T) {
	tests := []struct {
		tree     string
		power    Power
		thermal  Thermal
		tempC    float64
		lowPower Tri
	}{
		// BAT0 discharging, AC offline; 45°C far below a 90°C passive trip.
		{"laptop_battery", PowerBattery, ThermalNominal, 45, True},
		// AC online, BAT0 charging; hottest zone 55°C under a 95°C passive
		// trip, beside a disabled (0) trip that must be ignored.
		{"laptop_ac", PowerAC, ThermalNominal, 55, False},
		// No supplies: on mains. x86_pkg_temp at 72°C with only disabled
		// trips falls in the default fair band (70–80°C).
		{"desktop", PowerAC, ThermalFair, 72, Unknown},
		// 95°C over a 90°C passive trip.
		{"throttling", PowerAC, ThermalSerious, 95, False},
		// A server or virtual machine: no supplies (mains) and no thermal zones
		// at all, which is absent rather than unknown.
		{"server", PowerAC, ThermalAbsent, 0, Unknown},
		// Garbage and unreadable values everywhere.
		{"broken", PowerUnknown, ThermalUnknown, 0, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.tree, func(t *testing.T) {
			now := t0
			l := &Linux{Root: filepath.Join("testdata", tt.tree), Now: clockAt(&now)}
			r, err := l.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !r.At.Equal(t0) {
				t.Errorf("At = %v, want %v", r.At, t0)
			}
			if r.Power != tt.power {
				t.Errorf("Power = %s, want %s", r.Power, tt.power)
			}
			if r.Thermal != tt.thermal {
				t.Errorf("Thermal = %s, want %s", r.Thermal, tt.thermal)
			}
			if r.TemperatureC != tt.tempC {
				t.Errorf("TemperatureC = %v, want %v", r.TemperatureC, tt.tempC)
			}
			if r.LowPower != tt.lowPower {
				t.Errorf("LowPower = %s, want %s", r.LowPower, tt.lowPower)
			}
			// The fixtures have no /proc/stat and no logind.
			if r.IdleSeconds != -1 {
				t.Errorf("IdleSeconds = %v, want -1", r.IdleSeconds)
			}
			checkUnknownsHaveNotes(t, r)
			t.Logf("notes: %q", r.Notes)
		})
	}
}

func TestBrokenFixtureNotes(t *testing.T) {
	l := &Linux{Root: filepath.Join("testdata", "broken")}
	r, err := l.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"AC online unreadable", "BAT0 status unreadable", // power
		"thermal_zone0 (x86_pkg_temp) unreadable", "thermal_zone1 (iwlwifi_1) unreadable", // thermal
		"platform_profile unreadable", // low power
	} {
		if !noteContaining(r.Notes, want) {
			t.Errorf("no note says %q; notes: %q", want, r.Notes)
		}
	}
}

func TestPowerSupplies(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  Power
	}{
		{"wireless mouse battery only", map[string]string{
			"sys/class/power_supply/hidpp_battery_0/type":   "Battery",
			"sys/class/power_supply/hidpp_battery_0/scope":  "Device",
			"sys/class/power_supply/hidpp_battery_0/status": "Discharging",
		}, PowerAC},
		{"USB-C source online", map[string]string{
			"sys/class/power_supply/ucsi-source-psy-USBC000:001/type":   "USB",
			"sys/class/power_supply/ucsi-source-psy-USBC000:001/online": "2",
			"sys/class/power_supply/BAT0/type":                          "Battery",
			"sys/class/power_supply/BAT0/status":                        "Not charging",
		}, PowerAC},
		{"battery full, no mains entry", map[string]string{
			"sys/class/power_supply/BAT0/type":   "Battery",
			"sys/class/power_supply/BAT0/status": "Full",
		}, PowerAC},
		{"mains offline, battery status Unknown", map[string]string{
			"sys/class/power_supply/ADP1/type":   "Mains",
			"sys/class/power_supply/ADP1/online": "0",
			"sys/class/power_supply/BAT1/type":   "Battery",
			"sys/class/power_supply/BAT1/status": "Unknown",
		}, PowerBattery},
		{"mains offline, no battery", map[string]string{
			"sys/class/power_supply/AC/type":   "Mains",
			"sys/class/power_supply/AC/online": "0",
		}, PowerUnknown},
		{"no sysfs", map[string]string{"proc/version": "Linux"}, PowerUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			got, note := (&Linux{Root: root}).power()
			if got != tt.want {
				t.Errorf("power() = %s (%s), want %s", got, note, tt.want)
			}
			if note == "" {
				t.Error("no note")
			}
		})
	}
}

func TestZoneState(t *testing.T) {
	tests := []struct {
		z    zone
		want Thermal
	}{
		{zone{tempC: 79.9, passiveC: 90}, ThermalNominal},
		{zone{tempC: 80, passiveC: 90}, ThermalFair},
		{zone{tempC: 90, passiveC: 90}, ThermalSerious},
		{zone{tempC: 99, passiveC: 90, criticalC: 100}, ThermalSerious},
		{zone{tempC: 100, passiveC: 90, criticalC: 100}, ThermalCritical},
		{zone{tempC: 69.9}, ThermalNominal}, // no trips: fair from 70°C
		{zone{tempC: 70}, ThermalFair},
		{zone{tempC: 80}, ThermalSerious},
		{zone{tempC: 100}, ThermalCritical},
		{zone{tempC: 50, criticalC: 45}, ThermalCritical}, // a low hot trip wins
		// A passive trip above the default critical one pushes it up.
		{zone{tempC: 102, passiveC: 98}, ThermalSerious},
	}
	for _, tt := range tests {
		if got := tt.z.state(); got != tt.want {
			t.Errorf("%+v.state() = %s, want %s", tt.z, got, tt.want)
		}
	}
}

func TestThrottleCountersRise(t *testing.T) {
	bump := func(t *testing.T, root string) {
		t.Helper()
		writeTree(t, root, map[string]string{
			"sys/devices/system/cpu/cpu1/thermal_throttle/package_throttle_count": "43",
		})
	}

	t.Run("throttling fixture", func(t *testing.T) {
		l := &Linux{Root: copyTree(t, "throttling")}
		first, _ := l.Read(context.Background())
		if first.Thermal != ThermalSerious || noteContaining(first.Notes, "throttle") {
			t.Fatalf("first read: %s, notes %q; want serious from temperature alone", first.Thermal, first.Notes)
		}
		bump(t, l.Root)
		second, _ := l.Read(context.Background())
		if second.Thermal != ThermalSerious || !noteContaining(second.Notes, "throttle counters rose by 3") {
			t.Errorf("second read: %s, notes %q; want serious with a throttle note", second.Thermal, second.Notes)
		}
	})

	// A cool machine whose CPU throttles anyway is serious while the
	// counters rise, and back to nominal once they stop.
	t.Run("cool zones", func(t *testing.T) {
		root := copyTree(t, "laptop_ac")
		if err := os.CopyFS(filepath.Join(root, "sys", "devices"),
			os.DirFS(filepath.Join("testdata", "throttling", "sys", "devices"))); err != nil {
			t.Fatal(err)
		}
		l := &Linux{Root: root}
		var got []Thermal
		for i := range 3 {
			if i == 1 {
				bump(t, root)
			}
			r, err := l.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, r.Thermal)
		}
		want := []Thermal{ThermalNominal, ThermalSerious, ThermalNominal}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("reads = %v, want %v", got, want)
				break
			}
		}
	})
}

// TestCPUIdleFallback feeds /proc/stat snapshots taken after a busy and
// then a quiet interval, as a server without logind would see them.
func TestCPUIdleFallback(t *testing.T) {
	root := t.TempDir()
	now := t0
	noLogind := func(context.Context) (bool, time.Time, bool) { return false, time.Time{}, false }
	l := &Linux{Root: root, Now: clockAt(&now), Logind: noLogind}

	steps := []struct {
		snapshot string
		at       time.Duration
		want     float64
	}{
		{"0-start", 0, -1},                 // one sample: nothing to compare
		{"1-busy", 10 * time.Second, 0},    // 85% busy: quiet since now
		{"2-quiet", 70 * time.Second, 60},  // 3% busy: quiet since the busy sample
		{"2-quiet", 100 * time.Second, 90}, // no ticks elapsed: still quiet
	}
	for _, s := range steps {
		b, err := os.ReadFile(filepath.Join("testdata", "procstat", s.snapshot))
		if err != nil {
			t.Fatal(err)
		}
		writeTree(t, root, map[string]string{"proc/stat": string(b)})
		now = t0.Add(s.at)
		r, err := l.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if r.IdleSeconds != s.want {
			t.Errorf("%s at +%v: IdleSeconds = %v, want %v; notes %q", s.snapshot, s.at, r.IdleSeconds, s.want, r.Notes)
		}
		if !hasNote(r.Notes, "idle: no logind idle hint") {
			t.Errorf("%s: no note on the CPU fallback; notes %q", s.snapshot, r.Notes)
		}
	}
}

func TestLogindIdle(t *testing.T) {
	tests := []struct {
		name     string
		hint     bool
		since    time.Time
		ok       bool
		want     float64
		wantNote string
	}{
		{"idle", true, t0.Add(-5 * time.Minute), true, 300, "idle: logind IdleSinceHint"},
		{"active", false, t0.Add(-time.Hour), true, 0, "idle: logind IdleHint=no"},
		{"not ok", true, t0.Add(-time.Hour), false, -1, "idle: no logind idle hint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0
			l := &Linux{
				Root: copyTree(t, "desktop"),
				Now:  clockAt(&now),
				Logind: func(context.Context) (bool, time.Time, bool) {
					return tt.hint, tt.since, tt.ok
				},
			}
			r, err := l.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if r.IdleSeconds != tt.want {
				t.Errorf("IdleSeconds = %v, want %v", r.IdleSeconds, tt.want)
			}
			if !hasNote(r.Notes, tt.wantNote) {
				t.Errorf("notes %q lack %q", r.Notes, tt.wantNote)
			}
		})
	}
}

func TestParseLoginctl(t *testing.T) {
	since := time.UnixMicro(1772441700123456)
	tests := []struct {
		out   string
		hint  bool
		since time.Time
		ok    bool
	}{
		{"IdleHint=yes\nIdleSinceHint=1772441700123456\n", true, since, true},
		{"IdleSinceHint=1772441700123456\nIdleHint=yes\n", true, since, true},
		{"IdleHint=no\nIdleSinceHint=1772441700123456\n", false, since, true},
		{"IdleHint=no\nIdleSinceHint=0\n", false, time.Time{}, true},
		// What the manager says with no sessions: idle since nobody knows.
		{"IdleHint=yes\nIdleSinceHint=0\n", false, time.Time{}, false},
		{"", false, time.Time{}, false},
		{"IdleHint=maybe\nIdleSinceHint=1\n", false, time.Time{}, false},
	}
	for _, tt := range tests {
		hint, since, ok := parseLoginctl([]byte(tt.out))
		if hint != tt.hint || !since.Equal(tt.since) || ok != tt.ok {
			t.Errorf("parseLoginctl(%q) = %v, %v, %v; want %v, %v, %v",
				tt.out, hint, since, ok, tt.hint, tt.since, tt.ok)
		}
	}
}

func TestReadCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Linux{Root: t.TempDir()}).Read(ctx); err == nil {
		t.Error("Read with a canceled context succeeded")
	}
}

// TestConcurrentReads is for the race detector: the samples Linux keeps
// between Reads are shared.
func TestConcurrentReads(t *testing.T) {
	l := &Linux{Root: copyTree(t, "throttling")}
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 20 {
				if _, err := l.Read(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}
