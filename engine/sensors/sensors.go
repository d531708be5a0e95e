// Package sensors reads the state of the machine that decides whether a
// benchmark may run: how long it has been idle, whether it is on AC power,
// how hot it is and whether low-power mode is on. Each run records a
// Reading, so that a result measured on a warm machine can be told apart.
//
// A sensor that cannot be read reports unknown, with a note saying why,
// rather than failing the whole Read: one missing file must not stop the
// others from being seen. A sensor the machine does not have at all (a
// server without thermal zones) is absent instead: there is nothing to
// wait for, so it does not hold benchmarking back.
package sensors

import (
	"context"
	"time"
)

// Power says where the machine draws its power from.
type Power string

const (
	PowerAC      Power = "ac"
	PowerBattery Power = "battery"
	PowerUnknown Power = "unknown"
)

// Thermal is the machine's thermal pressure, in the four states of macOS's
// NSProcessInfo.ThermalState, plus unknown. Linux readings are mapped onto
// the same four states so that runs compare across platforms.
type Thermal string

const (
	ThermalNominal  Thermal = "nominal"
	ThermalFair     Thermal = "fair"
	ThermalSerious  Thermal = "serious"
	ThermalCritical Thermal = "critical"
	ThermalUnknown  Thermal = "unknown"
	// ThermalAbsent is a machine with no thermal sensor to read: a virtual
	// machine or a server that exposes no zones.
	ThermalAbsent Thermal = "absent"
)

// Rank orders the thermal states: nominal 0, fair 1, serious 2, critical 3.
// Unknown ranks as serious: a machine whose heat cannot be read is treated
// as too warm to benchmark, and a run that saw it is not mistaken for a
// cool one when the worst state of a run is kept. Absent ranks as nominal:
// where no sensor exists, none can report heat.
func (t Thermal) Rank() int {
	switch t {
	case ThermalNominal, ThermalAbsent:
		return 0
	case ThermalFair:
		return 1
	case ThermalCritical:
		return 3
	default: // serious, unknown and anything unrecognized
		return 2
	}
}

// Tri is a yes/no answer that may be unknown.
type Tri string

const (
	True    Tri = "true"
	False   Tri = "false"
	Unknown Tri = "unknown"
)

// Reading is the machine's state at one moment.
type Reading struct {
	At time.Time
	// IdleSeconds is how long the user has not touched keyboard or mouse.
	// Where no such signal exists (a Linux server) it is how long the CPU
	// has been quiet instead; Notes says which. -1 when unknown.
	IdleSeconds float64
	Power       Power
	Thermal     Thermal
	// TemperatureC is the hottest zone's temperature; 0 when unknown.
	TemperatureC float64
	LowPower     Tri
	// Notes says where each value came from, or why it is unknown,
	// one line per sensor prefixed with its name ("idle: ...").
	Notes []string
}

// A Source reads the machine's state. Read fails only when ctx is done;
// sensors that cannot be read are reported unknown in the Reading.
type Source interface {
	Read(ctx context.Context) (Reading, error)
}

// unknownReading is a Reading with every value unknown, for sources to
// fill in what they can.
func unknownReading(at time.Time) Reading {
	return Reading{
		At:          at,
		IdleSeconds: -1,
		Power:       PowerUnknown,
		Thermal:     ThermalUnknown,
		LowPower:    Unknown,
	}
}
