// Package menubar is Inferbench's macOS menu-bar shell. It renders the view models package
// desktop computes and forwards clicks to it; it decides nothing itself. Outside macOS, Run
// only says that the menu-bar app needs a Mac.
package menubar

import (
	"context"
	"io"
	"log/slog"

	"github.com/inferbench/inferbench/app/agent"
	"github.com/inferbench/inferbench/app/desktop"
)

// App is everything the shell calls: *desktop.Desktop is the real one. Every method may block
// and is called off the main thread; errors are shown to the user as they are.
type App interface {
	// Controller is the background benchmarker the shell starts, pauses and shows.
	Controller() *agent.Controller

	// Preferences are those in force; PreferencesProblem, when not nil, is shown once at launch.
	Preferences() desktop.Preferences
	PreferencesProblem() error
	SavePreferences(ctx context.Context, p desktop.Preferences) error
	ModelChoices() []string
	PrecisionChoices() []string

	Recommendations(ctx context.Context) (desktop.RecView, error)
	ChartPaths(ctx context.Context) ([]string, error)
	ExportCSV(ctx context.Context, path string) error

	// CheckPython reports whether the worker can start; Setup creates the environment,
	// writing progress to out.
	CheckPython(ctx context.Context) error
	Setup(ctx context.Context, out io.Writer) error
	DataDir() string
	// Executable is the running binary: only one inside Inferbench.app can open at login.
	Executable() string

	// Log is where the app logs; Close releases what it opened, once the controller stopped.
	Log() *slog.Logger
	Close()
}

var _ App = (*desktop.Desktop)(nil)
