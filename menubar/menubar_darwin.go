package menubar

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/progrium/darwinkit/dispatch"
	"github.com/progrium/darwinkit/macos/appkit"
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
	delegate   objc.Object // kept: NSApplication does not retain its delegate
	mainMenu   appkit.Menu
	item       appkit.StatusItem
	menu       appkit.Menu
	statusLine appkit.MenuItem
	startPause appkit.MenuItem
	view       desktop.Menu

	rec   *recWindow
	prefs *prefsWindow
	setup *setupWindow

	// probe is set during a self-test: the shell marks each launch step on it.
	probe *launchProbe
}

// Run starts the controller, shows the status item and runs the Cocoa event loop until the
// user quits, the system ends the app, or ctx ends. It calls deps.Close once the controller
// has stopped. With opts.SelfTest it quits once the app is up (see Options).
func Run(ctx context.Context, deps App, opts Options) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Subscribe before the controller runs, so that no status it publishes is missed.
	statuses, unsubscribe := deps.Controller().Subscribe()
	defer unsubscribe()
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
	go s.follow(ctx, statuses)
	go func() {
		// SIGINT or SIGTERM: end the app the way Quit does.
		select {
		case <-parent.Done():
			onMain(func() { s.app.Terminate(nil) })
		case <-ctx.Done():
		}
	}()
	if opts.SelfTest > 0 {
		s.probe = newLaunchProbe(opts.Out)
		go s.selfTest(parent, opts)
	}

	s.app = appkit.Application_SharedApplication()
	delegate, err := newAppDelegate(&delegateHandlers{didFinishLaunching: s.launched, shouldTerminate: stop})
	if err != nil {
		stop()
		return err
	}
	s.delegate = delegate
	s.app.SetDelegateObject(delegate)
	s.app.SetActivationPolicy(appkit.ApplicationActivationPolicyAccessory) // no Dock icon, also outside a bundle
	s.app.Run()

	stop()
	if errors.Is(runErr, context.Canceled) {
		return nil
	}
	return runErr
}

// selfTest waits for the launch steps, then quits the way Quit does, which ends the process
// with status 0. AppKit's terminate: never returns to Run, and the main thread may be what
// hangs, so a failed self-test ends the process itself, with status 1.
func (s *shell) selfTest(ctx context.Context, opts Options) {
	out := opts.Out
	if out == nil {
		out = os.Stderr
	}
	if err := s.probe.wait(ctx, opts.SelfTest); err != nil {
		fmt.Fprintf(out, "self-test: FAILED: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintln(out, "self-test: passed; quitting")
	onMain(func() { s.app.Terminate(nil) })
}

// mark records a launch step during a self-test.
func (s *shell) mark(step launchStep) {
	if s.probe != nil {
		s.probe.mark(step)
	}
}

// onMain runs f on the main thread, where every Cocoa call must happen, inside its own
// autorelease pool.
func onMain(f func()) {
	dispatch.MainQueue().DispatchAsync(func() { objc.WithAutoreleasePool(f) })
}

// follow renders every status the controller publishes.
func (s *shell) follow(ctx context.Context, ch <-chan agent.Status) {
	for {
		select {
		case st := <-ch:
			m := desktop.MenuView(st)
			onMain(func() {
				s.render(m)
				if !s.item.IsNil() {
					s.mark(stepRefresh)
				}
			})
		case <-ctx.Done():
			return
		}
	}
}

func (s *shell) launched() {
	s.mark(stepLaunched)
	s.buildMainMenu()
	s.buildMenu()
	s.render(desktop.MenuView(s.deps.Controller().Status()))
	if s.probe != nil {
		// Every window, as the menu opens them, then a status from the controller: Stop on a
		// stopped controller publishes its status again and starts nothing.
		s.rec, s.prefs, s.setup = newRecWindow(), s.newPrefsWindow(), newSetupWindow()
		if !s.rec.win.IsNil() && !s.prefs.win.IsNil() && !s.setup.win.IsNil() {
			s.mark(stepWindows)
		}
		s.deps.Controller().Stop()
		return // no alerts, which would wait for a click
	}
	if err := s.deps.PreferencesProblem(); err != nil {
		showAlert(appkit.AlertStyleWarning, "Inferbench could not use its saved preferences", err.Error())
	}
	go func() {
		if err := s.deps.CheckPython(s.ctx); err != nil && s.ctx.Err() == nil {
			onMain(func() { s.offerSetup(err) })
		}
	}()
}

// buildMainMenu installs app.MainMenu. Its items have no target: AppKit sends their actions
// to the first responder, so Cut, Copy, Paste, Undo and Close Window work in every window.
func (s *shell) buildMainMenu() {
	s.mainMenu = appkit.NewMenuWithTitle("")
	s.mainMenu.Retain()
	for _, sec := range desktop.MainMenu() {
		sub := appkit.NewMenuWithTitle(sec.Title)
		for _, it := range sec.Items {
			if it.Title == "" {
				sub.AddItem(appkit.MenuItem_SeparatorItem())
				continue
			}
			mi := appkit.NewMenuItemWithTitleActionKeyEquivalent(it.Title, objc.Sel(it.Action), it.Key)
			mask := appkit.EventModifierFlagCommand
			if it.Shift {
				mask |= appkit.EventModifierFlagShift
			}
			mi.SetKeyEquivalentModifierMask(mask)
			sub.AddItem(mi)
		}
		holder := appkit.NewMenuItemWithTitleActionKeyEquivalent(sec.Title, objc.Selector{}, "")
		holder.SetSubmenu(sub)
		s.mainMenu.AddItem(holder)
	}
	s.app.SetMainMenu(s.mainMenu)
	if s.app.MainMenu().NumberOfItems() == len(desktop.MainMenu()) {
		s.mark(stepMainMenu)
	}
}

// buildMenu makes the status item and its menu once; render updates the items that change.
func (s *shell) buildMenu() {
	s.item = appkit.StatusBar_SystemStatusBar().StatusItemWithLength(appkit.VariableStatusItemLength)
	s.item.Retain()
	if !s.item.IsNil() {
		s.mark(stepStatusItem)
	}
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
	if s.item.Menu().NumberOfItems() > 0 {
		s.mark(stepMenu)
	}
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
func (s *shell) activate() { activate(s.app) }

// activate uses NSApplication's activate (macOS 14), and activateIgnoringOtherApps:, which
// 14 deprecates, where there is no activate.
func activate(a appkit.Application) {
	if sel := objc.Sel("activate"); a.RespondsToSelector(sel) {
		objc.Call[objc.Void](a, sel)
		return
	}
	a.ActivateIgnoringOtherApps(true)
}

// showAlert shows a modal alert and returns the button clicked (appkit.AlertFirstButtonReturn
// for the first). Without buttons it has one, OK.
func showAlert(style appkit.AlertStyle, message, info string, buttons ...string) appkit.ModalResponse {
	activate(appkit.Application_SharedApplication())
	a := appkit.NewAlert()
	a.SetAlertStyle(style)
	a.SetMessageText(message)
	a.SetInformativeText(info)
	for _, b := range buttons {
		a.AddButtonWithTitle(b)
	}
	return a.RunModal()
}
