package sensors

import (
	"context"
	"testing"
)

// TestNewReadsThisMachine reads the real /sys and /proc: whatever this
// machine is, every value is valid and every unknown is explained.
func TestNewReadsThisMachine(t *testing.T) {
	src := New()
	for range 2 { // the second Read has a CPU sample to compare with
		r, err := src.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if r.At.IsZero() {
			t.Error("At not set")
		}
		switch r.Power {
		case PowerAC, PowerBattery, PowerUnknown:
		default:
			t.Errorf("Power = %q", r.Power)
		}
		switch r.Thermal {
		case ThermalNominal, ThermalFair, ThermalSerious, ThermalCritical, ThermalUnknown, ThermalAbsent:
		default:
			t.Errorf("Thermal = %q", r.Thermal)
		}
		switch r.LowPower {
		case True, False, Unknown:
		default:
			t.Errorf("LowPower = %q", r.LowPower)
		}
		checkUnknownsHaveNotes(t, r)
		t.Logf("%+v", r)
	}
}
