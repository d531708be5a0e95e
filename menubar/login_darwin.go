package menubar

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/objc"

	"github.com/inferbench/inferbench/app/desktop"
)

// Launch at login goes through SMAppService (macOS 13), which darwinkit v0.5.0 does not
// generate: the framework is loaded at run time and the class messaged directly.

const serviceManagementPath = "/System/Library/Frameworks/ServiceManagement.framework/ServiceManagement"

var loadServiceManagement = sync.OnceValue(func() error {
	_, err := purego.Dlopen(serviceManagementPath, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	return err
})

// mainAppService is [SMAppService mainAppService], the login item for this app's bundle.
func mainAppService() (objc.Object, error) {
	if err := loadServiceManagement(); err != nil {
		return objc.Object{}, fmt.Errorf("load ServiceManagement: %w", err)
	}
	class := objc.GetClass("SMAppService")
	if class.Ptr() == nil {
		return objc.Object{}, errors.New("opening at login needs macOS 13 or later")
	}
	return objc.Call[objc.Object](class, objc.Sel("mainAppService")), nil
}

// loginItemStatus is SMAppService's status of the app's login item.
func loginItemStatus() (desktop.LoginItemStatus, error) {
	svc, err := mainAppService()
	if err != nil {
		return desktop.LoginNotFound, err
	}
	if svc.IsNil() {
		return desktop.LoginNotFound, nil
	}
	return desktop.LoginItemStatus(objc.Call[int](svc, objc.Sel("status"))), nil
}

// changeLoginItem registers or unregisters the app as a login item. Its error is SMAppService's,
// as the user should read it; desktop.LoginOutcomeFor says what it means.
func changeLoginItem(change desktop.LoginChange) error {
	if change == desktop.LoginKeep {
		return nil
	}
	svc, err := mainAppService()
	if err != nil {
		return err
	}
	if svc.IsNil() {
		return errors.New("SMAppService has no service for this app")
	}
	sel := "unregisterAndReturnError:"
	if change == desktop.LoginRegister {
		sel = "registerAndReturnError:"
	}
	var nsErr unsafe.Pointer
	if objc.Call[bool](svc, objc.Sel(sel), &nsErr) {
		return nil
	}
	if nsErr == nil {
		return errors.New("SMAppService gave no reason")
	}
	return errors.New(foundation.ErrorFrom(nsErr).LocalizedDescription())
}

// openLoginItemsSettings opens System Settings at Login Items, where the user allows the app.
func openLoginItemsSettings() {
	if loadServiceManagement() != nil {
		return
	}
	if class := objc.GetClass("SMAppService"); class.Ptr() != nil {
		objc.Call[objc.Void](class, objc.Sel("openSystemSettingsLoginItems"))
	}
}
