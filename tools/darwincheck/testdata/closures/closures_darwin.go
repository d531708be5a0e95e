//go:build darwin && inferbench_canary

// Package closures holds darwinkit calls that make libffi closures, which
// darwincheck must report, beside calls that go through cgo and must pass.
// Each closure is marked by a "want" comment naming a part of its message.
package closures

import (
	"github.com/progrium/darwinkit/dispatch"
	"github.com/progrium/darwinkit/helper/action"
	"github.com/progrium/darwinkit/macos/appkit"
	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/objc"
)

// delegate is what the menu-bar app once did: darwinkit's own delegate.
func delegate(app appkit.Application) {
	d := &appkit.ApplicationDelegate{}
	d.SetApplicationDidFinishLaunching(func(foundation.Notification) {})
	app.SetDelegate(d) // want "appkit.Application.SetDelegate makes a libffi closure"
}

// dynamic sets the delegate through an interface.
func dynamic(app appkit.IApplication, d *appkit.ApplicationDelegate) {
	app.SetDelegate(d) // want "appkit.IApplication.SetDelegate makes a libffi closure (appkit.IApplication.SetDelegate → appkit.Application.SetDelegate →"
	app.Terminate(nil)
}

// block hands a Go func to a method that takes a block.
func block(panel appkit.SavePanel) {
	panel.BeginWithCompletionHandler(func(appkit.ModalResponse) {})                    // want "SavePanel.BeginWithCompletionHandler makes a libffi closure"
	objc.Call[objc.Void](panel, objc.Sel("beginWithCompletionHandler:"), func(int) {}) // want "passing a Go func to objc.Call"
}

// method adds a Go method to a class.
func method(class objc.Class) {
	objc.AddMethod(class, objc.Sel("tick:"), func(objc.Object, objc.Selector, objc.Object) {}) // want "objc.AddMethod makes a libffi closure"
}

// fine uses darwinkit's cgo callbacks, which have no libffi closure.
func fine(item appkit.MenuItem) {
	action.Set(item, func(objc.Object) {})
	dispatch.MainQueue().DispatchAsync(func() {})
	objc.WithAutoreleasePool(func() {})
	item.SetTitle("plain calls prepare a CIF and use it at once")
}
