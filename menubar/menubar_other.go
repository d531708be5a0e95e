//go:build !darwin

package menubar

import (
	"context"
	"errors"
)

// Run refuses: the menu-bar app is Cocoa.
func Run(ctx context.Context, deps App, opts Options) error {
	return errors.New("the menu-bar app needs macOS; use the command line (inferbench help)")
}
