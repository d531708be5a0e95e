package power

import (
	"context"

	"github.com/inferbench/inferbench/engine"
)

// Detect returns IOReport's meter on Apple silicon, or one that reads nothing where IOReport
// cannot be opened.
func Detect(context.Context) (Meter, []string) {
	m, err := OpenIOReport(engine.DetectMachine().Chip)
	if err != nil {
		return clocksOnly{}, []string{err.Error()}
	}
	return m, nil
}
