package sensors

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/ebitengine/purego"
	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/objc"
)

// New returns a source that reads power and idle time from IOKit and the
// thermal state and low-power mode from NSProcessInfo. If IOKit cannot be
// loaded, power and idle time are unknown and the rest is still read.
func New() Source {
	lib, err := loadIOKit()
	return &darwin{lib: lib, loadErr: err}
}

type darwin struct {
	lib     *iokit // nil when loadErr is set
	loadErr error
}

func (d *darwin) Read(ctx context.Context) (Reading, error) {
	if err := ctx.Err(); err != nil {
		return Reading{}, err
	}
	r := unknownReading(time.Now())
	if d.loadErr != nil {
		r.Notes = append(r.Notes,
			fmt.Sprintf("idle: IOKit not loaded: %v", d.loadErr),
			fmt.Sprintf("power: IOKit not loaded: %v", d.loadErr))
	} else {
		var note string
		r.IdleSeconds, note = d.lib.idle()
		r.Notes = append(r.Notes, note)
		r.Power, note = d.lib.power()
		r.Notes = append(r.Notes, note)
	}
	// The objects Foundation hands back are autoreleased; a goroutine's
	// thread has no pool of its own to drain them.
	objc.WithAutoreleasePool(func() {
		info := foundation.ProcessInfo_ProcessInfo()
		switch s := info.ThermalState(); s {
		case foundation.ProcessInfoThermalStateNominal:
			r.Thermal = ThermalNominal
		case foundation.ProcessInfoThermalStateFair:
			r.Thermal = ThermalFair
		case foundation.ProcessInfoThermalStateSerious:
			r.Thermal = ThermalSerious
		case foundation.ProcessInfoThermalStateCritical:
			r.Thermal = ThermalCritical
		default:
			r.Notes = append(r.Notes, fmt.Sprintf("thermal: NSProcessInfo thermalState %d unknown", s))
		}
		if r.Thermal != ThermalUnknown {
			// macOS gives no temperature without private SMC keys.
			r.Notes = append(r.Notes, "thermal: NSProcessInfo thermalState; temperature not read")
		}
		// Low-power mode came to the Mac in macOS 12; on 11 the selector
		// is missing and calling it would raise an exception.
		if !info.RespondsToSelector(objc.Sel("isLowPowerModeEnabled")) {
			r.Notes = append(r.Notes, "lowpower: no isLowPowerModeEnabled before macOS 12")
			return
		}
		r.LowPower = False
		if info.IsLowPowerModeEnabled() {
			r.LowPower = True
		}
		r.Notes = append(r.Notes, "lowpower: NSProcessInfo isLowPowerModeEnabled")
	})
	return r, nil
}

const (
	iokitPath          = "/System/Library/Frameworks/IOKit.framework/IOKit"
	coreFoundationPath = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"

	kIOMainPortDefault    = 0          // MACH_PORT_NULL: the default main port
	kCFAllocatorDefault   = 0          // NULL: the default allocator
	kCFStringEncodingUTF8 = 0x08000100 // CFStringEncoding
	kCFNumberSInt64Type   = 4          // CFNumberType
)

// iokit holds the IOKit and CoreFoundation functions we call. C types map
// as: CFTypeRef and its kin uintptr, io_object_t and mach_port_t uint32,
// Boolean uint8, CFIndex int, CFTypeID uint.
type iokit struct {
	cfRelease                 func(cf uintptr)
	cfGetTypeID               func(cf uintptr) uint
	cfNumberGetTypeID         func() uint
	cfNumberGetValue          func(number uintptr, numberType int, value *int64) uint8
	cfStringCreateWithCString func(alloc uintptr, s string, encoding uint32) uintptr
	cfStringGetCString        func(s uintptr, buf []byte, size int, encoding uint32) uint8

	ioPSCopyPowerSourcesInfo        func() uintptr
	ioPSGetProvidingPowerSourceType func(snapshot uintptr) uintptr
	ioServiceMatching               func(name string) uintptr
	ioServiceGetMatchingService     func(mainPort uint32, matching uintptr) uint32
	ioRegistryEntryCreateCFProperty func(entry uint32, key, alloc uintptr, options uint32) uintptr
	ioObjectRelease                 func(object uint32) int32
}

// loadIOKit opens IOKit and CoreFoundation and binds the functions. The
// handles are never closed: the bound functions point into the libraries
// for as long as the source lives, which is the life of the process, and
// system frameworks sit in the shared cache that dlclose does not unload.
func loadIOKit() (lib *iokit, err error) {
	io, err := purego.Dlopen(iokitPath, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, err
	}
	cf, err := purego.Dlopen(coreFoundationPath, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, err
	}
	// RegisterLibFunc panics on a missing symbol; a sensor must not take
	// the app down with it.
	defer func() {
		if p := recover(); p != nil {
			lib, err = nil, fmt.Errorf("binding IOKit: %v", p)
		}
	}()
	lib = &iokit{}
	purego.RegisterLibFunc(&lib.cfRelease, cf, "CFRelease")
	purego.RegisterLibFunc(&lib.cfGetTypeID, cf, "CFGetTypeID")
	purego.RegisterLibFunc(&lib.cfNumberGetTypeID, cf, "CFNumberGetTypeID")
	purego.RegisterLibFunc(&lib.cfNumberGetValue, cf, "CFNumberGetValue")
	purego.RegisterLibFunc(&lib.cfStringCreateWithCString, cf, "CFStringCreateWithCString")
	purego.RegisterLibFunc(&lib.cfStringGetCString, cf, "CFStringGetCString")
	purego.RegisterLibFunc(&lib.ioPSCopyPowerSourcesInfo, io, "IOPSCopyPowerSourcesInfo")
	purego.RegisterLibFunc(&lib.ioPSGetProvidingPowerSourceType, io, "IOPSGetProvidingPowerSourceType")
	purego.RegisterLibFunc(&lib.ioServiceMatching, io, "IOServiceMatching")
	purego.RegisterLibFunc(&lib.ioServiceGetMatchingService, io, "IOServiceGetMatchingService")
	purego.RegisterLibFunc(&lib.ioRegistryEntryCreateCFProperty, io, "IORegistryEntryCreateCFProperty")
	purego.RegisterLibFunc(&lib.ioObjectRelease, io, "IOObjectRelease")
	return lib, nil
}

// power asks IOKit which source powers the machine now. A desktop Mac
// says "AC Power"; a Mac running from a UPS's battery says "UPS Power".
func (lib *iokit) power() (Power, string) {
	// Copy rule: the snapshot is ours to release.
	snapshot := lib.ioPSCopyPowerSourcesInfo()
	if snapshot == 0 {
		return PowerUnknown, "power: IOPSCopyPowerSourcesInfo returned NULL"
	}
	defer lib.cfRelease(snapshot)
	// Get rule: the string belongs to the snapshot; we do not release it.
	source := lib.ioPSGetProvidingPowerSourceType(snapshot)
	if source == 0 {
		return PowerUnknown, "power: no providing power source"
	}
	name, ok := lib.goString(source)
	if !ok {
		return PowerUnknown, "power: providing power source name unreadable"
	}
	switch name {
	case "AC Power":
		return PowerAC, "power: IOPSGetProvidingPowerSourceType AC Power"
	case "Battery Power", "UPS Power":
		return PowerBattery, "power: IOPSGetProvidingPowerSourceType " + name
	default:
		return PowerUnknown, fmt.Sprintf("power: providing power source %q", name)
	}
}

// goString copies a CFString; the caller keeps whatever ownership it had.
func (lib *iokit) goString(s uintptr) (string, bool) {
	buf := make([]byte, 128)
	// Copies into our buffer: no ownership changes hands.
	if lib.cfStringGetCString(s, buf, len(buf), kCFStringEncodingUTF8) == 0 {
		return "", false
	}
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf), true
}

// idle reads HIDIdleTime, the nanoseconds since the last keyboard, mouse
// or trackpad event, from the IOHIDSystem service.
func (lib *iokit) idle() (float64, string) {
	// Create rule, but IOServiceGetMatchingService consumes the dictionary's
	// reference, so we do not release it.
	matching := lib.ioServiceMatching("IOHIDSystem")
	if matching == 0 {
		return -1, "idle: IOServiceMatching(IOHIDSystem) returned NULL"
	}
	service := lib.ioServiceGetMatchingService(kIOMainPortDefault, matching)
	if service == 0 {
		return -1, "idle: no IOHIDSystem service"
	}
	defer lib.ioObjectRelease(service) // we hold the service's reference
	// Create rule: the key, CFSTR("HIDIdleTime") in C, is ours to release.
	key := lib.cfStringCreateWithCString(kCFAllocatorDefault, "HIDIdleTime", kCFStringEncodingUTF8)
	if key == 0 {
		return -1, "idle: CFStringCreateWithCString failed"
	}
	defer lib.cfRelease(key)
	// Create rule: the property is ours to release.
	prop := lib.ioRegistryEntryCreateCFProperty(service, key, kCFAllocatorDefault, 0)
	if prop == 0 {
		return -1, "idle: IOHIDSystem has no HIDIdleTime"
	}
	defer lib.cfRelease(prop)
	// Type IDs are plain values, nothing to release.
	if lib.cfGetTypeID(prop) != lib.cfNumberGetTypeID() {
		return -1, "idle: HIDIdleTime is not a CFNumber"
	}
	var ns int64
	// Copies into ns: no ownership changes hands.
	if lib.cfNumberGetValue(prop, kCFNumberSInt64Type, &ns) == 0 {
		return -1, "idle: HIDIdleTime does not fit in 64 bits"
	}
	return float64(ns) / 1e9, "idle: IOHIDSystem HIDIdleTime"
}
