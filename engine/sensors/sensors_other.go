//go:build !linux && !darwin

package sensors

import (
	"context"
	"time"
)

// New returns a source that knows no sensors on this platform, so that
// Inferbench still builds and records its runs as unknown.
func New() Source { return other{} }

type other struct{}

func (other) Read(ctx context.Context) (Reading, error) {
	if err := ctx.Err(); err != nil {
		return Reading{}, err
	}
	r := unknownReading(time.Now())
	r.Notes = []string{"sensors: none on this platform"}
	return r, nil
}
