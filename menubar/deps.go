// Package menubar is Inferbench's macOS menu-bar shell. It renders the view models package app
// computes and forwards clicks to app; it decides nothing itself. Outside macOS, Run only says
// that the menu-bar app needs a Mac.
package menubar

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/inferbench/inferbench/app"
)

// Deps is everything the shell calls. Every function may block and is called off the main
// thread; their errors are shown to the user as they are.
type Deps struct {
	Controller *app.Controller

	// Preferences are those in force; PreferencesProblem, when set, is shown once at launch.
	Preferences         func() app.Preferences
	PreferencesProblem  error
	SavePreferences     func(ctx context.Context, p app.Preferences) error
	ModelChoices        []string
	PrecisionChoices    []string
	Recommendations     func(ctx context.Context) (app.RecView, error)
	ChartPaths          func(ctx context.Context) ([]string, error)
	ExportCSV           func(ctx context.Context, path string) error
	SuggestedExportName func(now time.Time) string
	// CheckPython reports whether the worker can start; Setup creates the environment,
	// writing progress to out.
	CheckPython func(ctx context.Context) error
	Setup       func(ctx context.Context, out io.Writer) error
	DataDir     string
	// InBundle says whether the binary runs inside Inferbench.app: only a bundle can open at login.
	InBundle bool

	// Close releases what the app opened; Run calls it once the controller has stopped.
	Close func()
	Log   *slog.Logger
}

// FromDesktop wires the shell to the application core.
func FromDesktop(d *app.Desktop) Deps {
	return Deps{
		Controller:          d.Controller,
		Preferences:         d.Preferences,
		PreferencesProblem:  d.PreferencesProblem,
		SavePreferences:     d.SavePreferences,
		ModelChoices:        d.ModelChoices(),
		PrecisionChoices:    d.PrecisionChoices(),
		Recommendations:     d.Recommendations,
		ChartPaths:          d.ChartPaths,
		ExportCSV:           d.ExportCSV,
		SuggestedExportName: app.SuggestedExportName,
		CheckPython:         d.CheckPython,
		Setup:               d.Setup,
		DataDir:             d.DataDir(),
		InBundle:            app.InAppBundle(d.Executable()),
		Close:               d.Close,
		Log:                 d.Log,
	}
}
