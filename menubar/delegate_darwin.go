package menubar

import (
	"fmt"
	"reflect"
	"runtime/cgo"
	"sync"
	"unsafe"

	pobjc "github.com/ebitengine/purego/objc"
	"github.com/progrium/darwinkit/objc"
)

// The application delegate is a class registered through purego's objc package. darwinkit's
// own delegates (appkit.ApplicationDelegate) are libffi closures that abort the app in their
// first callback when built with Go 1.25 or later (progrium/darwinkit#286); purego's methods
// are plain callbacks. `make check-darwin` fails on any darwinkit call that makes such a
// closure; docs/macos.md explains.

// delegateHandlers are what the delegate calls, on the main thread.
type delegateHandlers struct {
	didFinishLaunching func()
	// shouldTerminate runs before the app ends; the app then ends at once.
	shouldTerminate func()
}

// nsTerminateNow is NSApplicationTerminateReply's NSTerminateNow.
const nsTerminateNow uint = 1

var (
	selGoHandle    = pobjc.RegisterName("goHandle")
	selSetGoHandle = pobjc.RegisterName("setGoHandle:")
	selAlloc       = pobjc.RegisterName("alloc")
	selInit        = pobjc.RegisterName("init")
)

// handlersOf finds the Go handlers of a delegate instance, kept in its goHandle ivar.
func handlersOf(self pobjc.ID) *delegateHandlers {
	h := cgo.Handle(pobjc.Send[uint64](self, selGoHandle))
	return h.Value().(*delegateHandlers)
}

// delegateClass is registered once per process, as Objective-C classes are.
var delegateClass = sync.OnceValues(func() (pobjc.Class, error) {
	var protocols []*pobjc.Protocol
	if p := pobjc.GetProtocol("NSApplicationDelegate"); p != nil {
		protocols = append(protocols, p)
	}
	return pobjc.RegisterClass("InferbenchAppDelegate", pobjc.GetClass("NSObject"), protocols,
		[]pobjc.FieldDef{{Name: "goHandle", Type: reflect.TypeFor[uint64](), Attribute: pobjc.ReadWrite}},
		[]pobjc.MethodDef{
			{Cmd: pobjc.RegisterName("applicationDidFinishLaunching:"), Fn: func(self pobjc.ID, _ pobjc.SEL, _ pobjc.ID) {
				handlersOf(self).didFinishLaunching()
			}},
			{Cmd: pobjc.RegisterName("applicationShouldTerminate:"), Fn: func(self pobjc.ID, _ pobjc.SEL, _ pobjc.ID) uint {
				handlersOf(self).shouldTerminate()
				return nsTerminateNow
			}},
			// Closing the last window must not end a menu-bar app.
			{Cmd: pobjc.RegisterName("applicationShouldTerminateAfterLastWindowClosed:"), Fn: func(pobjc.ID, pobjc.SEL, pobjc.ID) bool {
				return false
			}},
		})
})

// newAppDelegate makes a delegate that calls h. NSApplication does not retain its delegate:
// the caller keeps the object for as long as the app runs.
func newAppDelegate(h *delegateHandlers) (objc.Object, error) {
	class, err := delegateClass()
	if err != nil {
		return objc.Object{}, fmt.Errorf("register the application delegate: %w", err)
	}
	id := pobjc.ID(class).Send(selAlloc).Send(selInit)
	id.Send(selSetGoHandle, uint64(cgo.NewHandle(h)))
	return darwinObject(id), nil
}

// darwinObject is a purego object as darwinkit sees it. The pointer is read through memory,
// as purego itself does, because the object lives outside Go's heap.
func darwinObject(id pobjc.ID) objc.Object {
	return objc.ObjectFrom(*(*unsafe.Pointer)(unsafe.Pointer(&id)))
}
