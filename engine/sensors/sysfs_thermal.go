package sensors

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// zone is one /sys/class/thermal zone; trips are 0 when absent.
type zone struct {
	name      string
	tempC     float64
	passiveC  float64 // lowest passive trip
	criticalC float64 // lowest hot or critical trip
}

// state maps a zone onto the four macOS states: nominal below the passive
// trip less fairMarginC, fair within it, serious from the passive trip
// (where the kernel starts to throttle), critical from the hot or critical
// trip.
func (z zone) state() Thermal {
	passive := z.passiveC
	if passive == 0 {
		passive = defaultPassiveC
	}
	critical := z.criticalC
	if critical == 0 {
		critical = max(defaultCriticalC, passive+fairMarginC)
	}
	switch {
	case z.tempC >= critical:
		return ThermalCritical
	case z.tempC >= passive:
		return ThermalSerious
	case z.tempC >= passive-fairMarginC:
		return ThermalFair
	default:
		return ThermalNominal
	}
}

// readZone reads a zone's temperature and trip points, in millidegrees.
func readZone(dir string) (zone, error) {
	z := zone{name: filepath.Base(dir)}
	if typ, err := readValue(filepath.Join(dir, "type")); err == nil && typ != "" {
		z.name += " (" + typ + ")"
	}
	milli, err := readInt(filepath.Join(dir, "temp"))
	if err != nil {
		return z, err
	}
	// Sensors that are off report 0 or absolute zero.
	if milli <= 0 || milli > 200000 {
		return z, fmt.Errorf("temp %d m°C is not a reading", milli)
	}
	z.tempC = float64(milli) / 1000
	types, _ := filepath.Glob(filepath.Join(dir, "trip_point_*_type"))
	for _, tp := range types {
		typ, err := readValue(tp)
		if err != nil {
			continue
		}
		milli, err := readInt(strings.TrimSuffix(tp, "_type") + "_temp")
		if err != nil || milli <= 0 { // disabled trips read 0 or less
			continue
		}
		c := float64(milli) / 1000
		switch typ {
		case "passive":
			if z.passiveC == 0 || c < z.passiveC {
				z.passiveC = c
			}
		case "hot", "critical":
			if z.criticalC == 0 || c < z.criticalC {
				z.criticalC = c
			}
		}
	}
	return z, nil
}

// thermal returns the worst state of all zones, the hottest temperature,
// and notes; a rise in the CPUs' throttle counters since the last Read
// makes the state at least serious, since the CPU has just slowed down.
func (l *Linux) thermal() (Thermal, float64, []string) {
	state, hottest := ThermalUnknown, 0.0
	var notes []string
	dirs, _ := filepath.Glob(l.path("sys/class/thermal/thermal_zone*"))
	var worst zone
	read := 0
	for _, dir := range dirs {
		z, err := readZone(dir)
		if err != nil {
			notes = append(notes, fmt.Sprintf("thermal: %s unreadable: %v", z.name, err))
			continue
		}
		read++
		hottest = max(hottest, z.tempC)
		if s := z.state(); read == 1 || s.Rank() > state.Rank() ||
			s.Rank() == state.Rank() && z.tempC > worst.tempC {
			state, worst = s, z
		}
	}
	switch {
	case len(dirs) == 0:
		state = ThermalAbsent
		notes = append(notes, "thermal: not present (no /sys/class/thermal zones)")
	case read > 0:
		trips := "no trips, defaults"
		if worst.passiveC > 0 {
			trips = fmt.Sprintf("passive trip %.1f°C", worst.passiveC)
		}
		notes = append(notes, fmt.Sprintf("thermal: %s %.1f°C, %s; %d of %d zones read",
			worst.name, worst.tempC, trips, read, len(dirs)))
	}

	rise, note := l.throttleRise()
	if note != "" {
		notes = append(notes, note)
	}
	if rise > 0 && (state == ThermalUnknown || state == ThermalAbsent || state.Rank() < ThermalSerious.Rank()) {
		state = ThermalSerious
	}
	return state, hottest, notes
}

// throttleRise returns by how much the CPUs' thermal throttle counters
// rose since the previous call, and a note when they did.
func (l *Linux) throttleRise() (uint64, string) {
	var files []string
	for _, name := range []string{"core_throttle_count", "package_throttle_count"} {
		m, _ := filepath.Glob(l.path("sys/devices/system/cpu/cpu*/thermal_throttle/" + name))
		files = append(files, m...)
	}
	counts := make(map[string]uint64, len(files))
	var rise uint64
	for _, f := range files {
		v, err := readValue(f)
		if err != nil {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			continue
		}
		counts[f] = n
		// Compared per file: a CPU taken offline must not read as a fall.
		if prev, ok := l.throttle[f]; ok && n > prev {
			rise += n - prev
		}
	}
	l.throttle = counts
	if rise == 0 {
		return 0, ""
	}
	return rise, fmt.Sprintf("thermal: CPU throttle counters rose by %d since the last reading", rise)
}
