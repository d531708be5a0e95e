package sensors

import (
	"slices"
	"strings"
	"testing"
)

func TestThermalRank(t *testing.T) {
	order := []Thermal{ThermalNominal, ThermalFair, ThermalSerious, ThermalCritical}
	for i, s := range order {
		if got := s.Rank(); got != i {
			t.Errorf("%s.Rank() = %d, want %d", s, got, i)
		}
	}
	// Unknown is treated as serious: too warm to start a run, and worse
	// than fair when a run's worst state is kept.
	if got, want := ThermalUnknown.Rank(), ThermalSerious.Rank(); got != want {
		t.Errorf("unknown.Rank() = %d, want serious's %d", got, want)
	}
	if ThermalUnknown.Rank() <= ThermalFair.Rank() || ThermalUnknown.Rank() >= ThermalCritical.Rank() {
		t.Errorf("unknown must rank above fair and below critical")
	}
	if got := Thermal("").Rank(); got != ThermalSerious.Rank() {
		t.Errorf(`Thermal("").Rank() = %d, want serious`, got)
	}
}

// checkUnknownsHaveNotes fails t for each unknown value of r that has no
// note from its sensor.
func checkUnknownsHaveNotes(t *testing.T, r Reading) {
	t.Helper()
	unknown := map[string]bool{
		"idle":     r.IdleSeconds < 0,
		"power":    r.Power == PowerUnknown,
		"thermal":  r.Thermal == ThermalUnknown || r.Thermal == ThermalAbsent,
		"lowpower": r.LowPower == Unknown,
	}
	for sensor, isUnknown := range unknown {
		if isUnknown && !hasNote(r.Notes, sensor+":") {
			t.Errorf("%s unknown without a note; notes: %q", sensor, r.Notes)
		}
	}
}

func hasNote(notes []string, prefix string) bool {
	return slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, prefix) })
}

func noteContaining(notes []string, s string) bool {
	return slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, s) })
}
