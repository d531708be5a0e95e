package agent

import (
	"fmt"
	"time"

	"github.com/inferbench/inferbench/engine/sensors"
)

// Policy decides when background benchmarking may run: it must never get in the user's way,
// drain a battery, or measure a machine that is too hot to give honest numbers.
type Policy struct {
	IdleThreshold time.Duration   // the user has been away at least this long
	RequireAC     bool            // only on mains power
	MaxThermal    sensors.Thermal // the hottest state a run may start in
	AllowLowPower bool            // run even in low-power mode
	CooldownMax   time.Duration   // the longest wait between runs for the thermal state to return to nominal
}

// DefaultPolicy is what a user gets without preferences.
func DefaultPolicy() Policy {
	return Policy{IdleThreshold: 5 * time.Minute, RequireAC: true, MaxThermal: sensors.ThermalFair,
		CooldownMax: 2 * time.Minute}
}

// Check says whether a run may go on under reading r, and if not, why, in words for the status
// line. A sensor that cannot be read counts against running, except low-power mode, which only
// matters on battery and is unknown on most Linux machines.
func (p Policy) Check(r sensors.Reading) (bool, string) {
	if p.RequireAC {
		switch r.Power {
		case sensors.PowerAC:
		case sensors.PowerBattery:
			return false, "on battery"
		default:
			return false, "power source unknown"
		}
	}
	if !p.AllowLowPower && r.LowPower == sensors.True {
		return false, "low-power mode is on"
	}
	if p.IdleThreshold > 0 {
		if r.IdleSeconds < 0 {
			return false, "idle time unknown"
		}
		if idle := time.Duration(r.IdleSeconds * float64(time.Second)); idle < p.IdleThreshold {
			return false, fmt.Sprintf("user active (idle %s of %s)", idle.Round(time.Second), p.IdleThreshold)
		}
	}
	if r.Thermal.Rank() > p.MaxThermal.Rank() {
		if r.Thermal == sensors.ThermalUnknown {
			return false, "thermal state unknown"
		}
		return false, fmt.Sprintf("too hot (%s)", r.Thermal)
	}
	return true, ""
}

// Validate checks a policy from flags or preferences.
func (p Policy) Validate() error {
	switch p.MaxThermal {
	case sensors.ThermalNominal, sensors.ThermalFair, sensors.ThermalSerious, sensors.ThermalCritical:
	default:
		return fmt.Errorf("thermal limit %q: choose nominal, fair, serious or critical", p.MaxThermal)
	}
	if p.IdleThreshold < 0 || p.CooldownMax < 0 {
		return fmt.Errorf("durations must not be negative")
	}
	return nil
}
