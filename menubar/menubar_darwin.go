package menubar

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/progrium/darwinkit/dispatch"
	"github.com/progrium/darwinkit/macos/appkit"
	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/objc"

	"github.com/inferbench/inferbench/app/agent"
	"github.com/inferbench/inferbench/app/desktop"
)

// Cocoa must run on the main thread. init runs on it, and locking here keeps the main
// goroutine there until Run starts the event loop.
func init() { runtime.LockOSThread() }

// stopWait bounds how long quitting waits for a run in flight to stop; the controller stops
// one within a poll period, so this is only reached when something hangs.
const stopWait = 5 * time.Second

// shell holds the Cocoa objects that must live as long as the app, and the last menu it drew.
// Its fields are touched only on the main thread.
type shell struct {
	deps App
	ctx  context.Context
	stop func()

	app        appkit.Application
	delegate   *appkit.ApplicationDelegate
	item       appkit.StatusItem
	menu       appkit.Menu
	statusLine appkit.MenuItem
	startPause appkit.MenuItem
	view       desktop.Menu

	rec   *recWindow
	prefs *prefsWindow
	setup *setupWindow
}

// Run starts the controller, shows the status item and runs the Cocoa event loop until the
// user quits, the system ends the app, or ctx ends. It calls deps.Close once the controller
// has stopped.
func Run(ctx context.Context, deps App) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- deps.Controller().Run(ctx) }()

	var (
		once   sync.Once
		runErr error
	)
	// stop runs when the event loop returns or, since NSApplication's terminate: exits the
	// process without returning, when the app is about to terminate.
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(stopWait):
				runErr = fmt.Errorf("the controller did not stop within %s", stopWait)
			}
			deps.Close()
		})
	}
	s := &shell{deps: deps, ctx: ctx, stop: stop}
	go s.follow(ctx)
	go func() {
		// SIGINT or SIGTERM: end the app the way Quit does.
		select {
		case <-parent.Done():
			onMain(func() { s.app.Terminate(nil) })
		case <-ctx.Done():
		}
	}()

	s.app = appkit.Application_SharedApplication()
	s.delegate = &appkit.ApplicationDelegate{}
	s.delegate.SetApplicationDidFinishLaunching(func(foundation.Notification) { s.launched() })
	s.delegate.SetApplicationShouldTerminate(func(appkit.Application) appkit.ApplicationTerminateReply {
		stop()
		return appkit.TerminateNow
	})
	// Closing the last window must not end a menu-bar app.
	s.delegate.SetApplicationShouldTerminateAfterLastWindowClosed(func(appkit.Application) bool { return false })
	s.app.SetDelegate(s.delegate)
	s.app.SetActivationPolicy(appkit.ApplicationActivationPolicyAccessory) // no Dock icon, also outside a bundle
	s.app.Run()

	stop()
	if errors.Is(runErr, context.Canceled) {
		return nil
	}
	return runErr
}

// onMain runs f on the main thread, where every Cocoa call must happen, inside its own
// autorelease pool.
func onMain(f func()) {
	dispatch.MainQueue().DispatchAsync(func() { objc.WithAutoreleasePool(f) })
}

// follow renders every status the controller publishes.
func (s *shell) follow(ctx context.Context) {
	ch, unsubscribe := s.deps.Controller().Subscribe()
	defer unsubscribe()
	for {
		select {
		case st := <-ch:
			m := desktop.MenuView(st)
			onMain(func() { s.render(m) })
		case <-ctx.Done():
			return
		}
	}
}

func (s *shell) launched() {
	s.buildMenu()
	s.render(desktop.MenuView(s.deps.Controller().Status()))
	if err := s.deps.PreferencesProblem(); err != nil {
		showAlert(appkit.AlertStyleWarning, "Inferbench could not use its saved preferences", err.Error())
	}
	go func() {
		if err := s.deps.CheckPython(s.ctx); err != nil && s.ctx.Err() == nil {
			onMain(func() { s.offerSetup(err) })
		}
	}()
}

// buildMenu makes the status item and its menu once; render updates the items that change.
func (s *shell) buildMenu() {
	s.item = appkit.StatusBar_SystemStatusBar().StatusItemWithLength(appkit.VariableStatusItemLength)
	s.item.Retain()
	s.menu = appkit.NewMenuWithTitle("Inferbench")
	s.menu.Retain()
	s.menu.SetAutoenablesItems(false) // the status line stays disabled, the rest enabled

	s.statusLine = appkit.NewMenuItemWithSelector("", "", objc.Selector{})
	s.statusLine.SetEnabled(false)
	s.menu.AddItem(s.statusLine)
	s.startPause = appkit.NewMenuItemWithAction("Start", "s", func(objc.Object) { s.startPauseClicked() })
	s.menu.AddItem(s.startPause)
	s.menu.AddItem(appkit.MenuItem_SeparatorItem())
	for _, it := range desktop.MenuView(agent.Status{}).Items {
		if it.SeparatorBefore {
			s.menu.AddItem(appkit.MenuItem_SeparatorItem())
		}
		id := it.ID
		s.menu.AddItem(appkit.NewMenuItemWithAction(it.Title, it.Key, func(objc.Object) { s.itemClicked(id) }))
	}
	s.item.SetMenu(s.menu)
}

func (s *shell) render(m desktop.Menu) {
	s.view = m
	if s.item.IsNil() {
		return // a status that came before launch; launched draws the latest
	}
	button := s.item.Button()
	img := appkit.Image_ImageWithSystemSymbolNameAccessibilityDescription(m.IconSymbol, m.IconDescription)
	if img.IsNil() {
		// A symbol this macOS does not have: a title keeps the item visible.
		button.SetTitle("IB")
	} else {
		img.SetTemplate(true) // drawn in the menu bar's own colour, light or dark
		button.SetImage(img)
	}
	button.SetToolTip(m.StatusLine)
	s.statusLine.SetTitle(m.StatusLine)
	s.startPause.SetTitle(m.StartPauseTitle)
}

func (s *shell) startPauseClicked() {
	switch s.view.StartPauseAction {
	case desktop.ActionStart:
		s.deps.Controller().Start()
	case desktop.ActionPause:
		s.deps.Controller().Pause()
	}
}

func (s *shell) itemClicked(id desktop.MenuItemID) {
	switch id {
	case desktop.ItemRecommendations:
		s.showRecommendations()
	case desktop.ItemPreferences:
		s.showPreferences()
	case desktop.ItemExportCSV:
		s.exportCSV()
	case desktop.ItemQuit:
		s.app.Terminate(nil)
	}
}

// background runs f off the main thread and hands its error, if any, to an alert.
func (s *shell) background(failure string, f func(ctx context.Context) error) {
	go func() {
		if err := f(s.ctx); err != nil && s.ctx.Err() == nil {
			if log := s.deps.Log(); log != nil {
				log.Warn(failure, "err", err)
			}
			onMain(func() { showAlert(appkit.AlertStyleWarning, failure, err.Error()) })
		}
	}()
}

// activate brings the app forward: an accessory app's windows otherwise open behind others.
func (s *shell) activate() { s.app.ActivateIgnoringOtherApps(true) }

// showAlert shows a modal alert and returns the button clicked (appkit.AlertFirstButtonReturn
// for the first). Without buttons it has one, OK.
func showAlert(style appkit.AlertStyle, message, info string, buttons ...string) appkit.ModalResponse {
	appkit.Application_SharedApplication().ActivateIgnoringOtherApps(true)
	a := appkit.NewAlert()
	a.SetAlertStyle(style)
	a.SetMessageText(message)
	a.SetInformativeText(info)
	for _, b := range buttons {
		a.AddButtonWithTitle(b)
	}
	return a.RunModal()
}
