//go:build !linux && !darwin

package power

import "context"

// Detect returns a meter that reads nothing: this platform has no source Inferbench knows.
func Detect(context.Context) (Meter, []string) {
	return clocksOnly{}, []string{"power: no energy source on this platform"}
}
