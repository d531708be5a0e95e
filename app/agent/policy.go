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

// A Condition is one of the policy's requirements as it stands under a reading.
type Condition struct {
	Name   string         // idle, power, thermal, low-power
	State  ConditionState // whether it holds
	Detail string         // the reading, or why the condition does not hold, in words
}

// ConditionState says where a condition stands.
type ConditionState string

const (
	Holds      ConditionState = "holds"
	Fails      ConditionState = "does not hold"
	Unreadable ConditionState = "unknown"     // the sensor exists but cannot be read: counts against running
	NotPresent ConditionState = "not present" // the machine has no such sensor: nothing to wait for
	NotAsked   ConditionState = "not required"
)

// Blocks reports whether the condition holds a run back.
func (c Condition) Blocks() bool { return c.State == Fails || c.State == Unreadable }

// Conditions lists each requirement and where it stands under reading r. A sensor that exists
// but cannot be read counts against running; one the machine does not have (a server without
// thermal zones, a desktop without a battery) does not, and low-power mode, which only matters
// on battery and is unknown on most Linux machines, never does.
func (p Policy) Conditions(r sensors.Reading) []Condition {
	var cs []Condition
	switch {
	case p.IdleThreshold == 0:
		cs = append(cs, Condition{"idle", NotAsked, "--idle 0"})
	case r.IdleSeconds < 0:
		cs = append(cs, Condition{"idle", Unreadable, "idle time unknown"})
	default:
		idle := time.Duration(r.IdleSeconds * float64(time.Second))
		if idle < p.IdleThreshold {
			cs = append(cs, Condition{"idle", Fails, fmt.Sprintf("user active (idle %s of %s)", idle.Round(time.Second), p.IdleThreshold)})
		} else {
			cs = append(cs, Condition{"idle", Holds, fmt.Sprintf("idle %s of %s", idle.Round(time.Second), p.IdleThreshold)})
		}
	}
	switch {
	case !p.RequireAC:
		cs = append(cs, Condition{"power", NotAsked, "--ac-only=false"})
	case r.Power == sensors.PowerAC:
		cs = append(cs, Condition{"power", Holds, "on mains power"})
	case r.Power == sensors.PowerBattery:
		cs = append(cs, Condition{"power", Fails, "on battery"})
	default:
		cs = append(cs, Condition{"power", Unreadable, "power source unknown"})
	}
	switch {
	case r.Thermal == sensors.ThermalAbsent:
		cs = append(cs, Condition{"thermal", NotPresent, "no thermal sensor on this machine"})
	case r.Thermal.Rank() <= p.MaxThermal.Rank():
		cs = append(cs, Condition{"thermal", Holds, fmt.Sprintf("%s, at most %s", r.Thermal, p.MaxThermal)})
	case r.Thermal == sensors.ThermalUnknown:
		cs = append(cs, Condition{"thermal", Unreadable, "thermal state unknown"})
	default:
		cs = append(cs, Condition{"thermal", Fails, fmt.Sprintf("too hot (%s)", r.Thermal)})
	}
	switch {
	case p.AllowLowPower:
		cs = append(cs, Condition{"low-power", NotAsked, "--allow-low-power"})
	case r.LowPower == sensors.True:
		cs = append(cs, Condition{"low-power", Fails, "low-power mode is on"})
	case r.LowPower == sensors.False:
		cs = append(cs, Condition{"low-power", Holds, "low-power mode is off"})
	default:
		cs = append(cs, Condition{"low-power", NotPresent, "no low-power mode to read"})
	}
	return cs
}

// Check says whether a run may go on under reading r, and if not, why, in words for the status
// line: the first condition that holds a run back.
func (p Policy) Check(r sensors.Reading) (bool, string) {
	ok, reason, _ := p.check(r)
	return ok, reason
}

// check is Check that also says whether the obstacle is a sensor that cannot be read, which
// waiting does not cure.
func (p Policy) check(r sensors.Reading) (ok bool, reason string, unreadable bool) {
	// The order of the reasons is the order a user can act on them: power, low-power mode,
	// idleness, heat.
	cs := p.Conditions(r)
	for _, name := range []string{"power", "low-power", "idle", "thermal"} {
		for _, c := range cs {
			if c.Name == name && c.Blocks() {
				return false, c.Detail, c.State == Unreadable
			}
		}
	}
	return true, "", false
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
