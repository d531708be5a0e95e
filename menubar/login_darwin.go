package menubar

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/objc"
)

// Launch at login goes through SMAppService (macOS 13), which darwinkit v0.5.0 does not
// generate: the framework is loaded at run time and the class messaged directly.

const serviceManagementPath = "/System/Library/Frameworks/ServiceManagement.framework/ServiceManagement"

// SMAppServiceStatus values.
const (
	smStatusNotRegistered    = 0
	smStatusEnabled          = 1
	smStatusRequiresApproval = 2
	smStatusNotFound         = 3
)

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

// launchAtLoginEnabled reports whether the system will open Inferbench at login.
func launchAtLoginEnabled() bool {
	svc, err := mainAppService()
	if err != nil || svc.IsNil() {
		return false
	}
	return objc.Call[int](svc, objc.Sel("status")) == smStatusEnabled
}

// setLaunchAtLogin registers or unregisters the app as a login item.
func setLaunchAtLogin(on bool) error {
	svc, err := mainAppService()
	if err != nil {
		return err
	}
	if svc.IsNil() {
		return errors.New("SMAppService has no service for this app")
	}
	sel := "unregisterAndReturnError:"
	if on {
		sel = "registerAndReturnError:"
	}
	var nsErr unsafe.Pointer
	if objc.Call[bool](svc, objc.Sel(sel), &nsErr) {
		if on && objc.Call[int](svc, objc.Sel("status")) == smStatusRequiresApproval {
			return errors.New("macOS asks you to allow Inferbench in System Settings › General › Login Items")
		}
		return nil
	}
	msg := "unknown error"
	if nsErr != nil {
		msg = foundation.ErrorFrom(nsErr).LocalizedDescription()
	}
	if objc.Call[int](svc, objc.Sel("status")) == smStatusNotFound {
		msg += " (opening at login works only for Inferbench.app, not the bare binary: see docs/macos.md)"
	}
	return fmt.Errorf("%s", msg)
}
