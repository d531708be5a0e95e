package power

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
)

const (
	ioReportPath       = "/usr/lib/libIOReport.dylib"
	iokitPath          = "/System/Library/Frameworks/IOKit.framework/IOKit"
	coreFoundationPath = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"

	cfUTF8             = 0x08000100 // kCFStringEncodingUTF8
	ioFormatSimple     = 1          // kIOReportFormatSimple
	ioFormatState      = 2          // kIOReportFormatState
	kIOMainPortDefault = 0
)

// ioLib holds the CoreFoundation, IOKit and IOReport functions the meter calls. CFTypeRef and
// its kin map to uintptr, io_object_t to uint32. The handles stay open for the life of the
// process: the bound functions point into them.
type ioLib struct {
	cfRelease          func(uintptr)
	cfDictGet          func(dict, key uintptr) uintptr
	cfArrayCount       func(arr uintptr) int
	cfArrayAt          func(arr uintptr, i int) uintptr
	cfStringCreate     func(alloc uintptr, s string, enc uint32) uintptr
	cfStringGetCString func(s uintptr, buf []byte, size int, enc uint32) uint8
	cfDataLength       func(d uintptr) int
	cfDataBytes        func(d uintptr) unsafe.Pointer

	ioServiceMatching     func(name string) uintptr
	ioGetMatchingServices func(port uint32, matching uintptr, it *uint32) int32
	ioIteratorNext        func(it uint32) uint32
	ioEntryName           func(entry uint32, name *byte) int32
	ioEntryProperties     func(entry uint32, props *uintptr, alloc uintptr, opts uint32) int32
	ioObjectRelease       func(obj uint32) int32

	copyChannels    func(group, subgroup uintptr, a, b, c uint64) uintptr
	mergeChannels   func(dst, src, unused uintptr)
	subscribe       func(a, desired uintptr, subbed *uintptr, id uint64, b uintptr) uintptr
	createSamples   func(sub, subbed, a uintptr) uintptr
	samplesDelta    func(prev, cur, a uintptr) uintptr
	channelGroup    func(ch uintptr) uintptr
	channelSubgroup func(ch uintptr) uintptr
	channelName     func(ch uintptr) uintptr
	channelUnit     func(ch uintptr) uintptr
	channelFormat   func(ch uintptr) int32
	simpleValue     func(ch uintptr, i int32) int64
	stateCount      func(ch uintptr) int32
	stateName       func(ch uintptr, i int32) uintptr
	stateResidency  func(ch uintptr, i int32) int64
}

func loadIOLib() (lib *ioLib, err error) {
	open := func(path string) uintptr {
		if err != nil {
			return 0
		}
		var h uintptr
		h, err = purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		return h
	}
	cf, io, rep := open(coreFoundationPath), open(iokitPath), open(ioReportPath)
	if err != nil {
		return nil, fmt.Errorf("ioreport: %w", err)
	}
	// RegisterLibFunc panics on a missing symbol: a private library may change, and the meter
	// must then report unknown rather than take the app down.
	defer func() {
		if p := recover(); p != nil {
			lib, err = nil, fmt.Errorf("ioreport: binding: %v", p)
		}
	}()
	lib = &ioLib{}
	for _, b := range []struct {
		h    uintptr
		fn   any
		name string
	}{
		{cf, &lib.cfRelease, "CFRelease"}, {cf, &lib.cfDictGet, "CFDictionaryGetValue"},
		{cf, &lib.cfArrayCount, "CFArrayGetCount"}, {cf, &lib.cfArrayAt, "CFArrayGetValueAtIndex"},
		{cf, &lib.cfStringCreate, "CFStringCreateWithCString"}, {cf, &lib.cfStringGetCString, "CFStringGetCString"},
		{cf, &lib.cfDataLength, "CFDataGetLength"}, {cf, &lib.cfDataBytes, "CFDataGetBytePtr"},
		{io, &lib.ioServiceMatching, "IOServiceMatching"}, {io, &lib.ioGetMatchingServices, "IOServiceGetMatchingServices"},
		{io, &lib.ioIteratorNext, "IOIteratorNext"}, {io, &lib.ioEntryName, "IORegistryEntryGetName"},
		{io, &lib.ioEntryProperties, "IORegistryEntryCreateCFProperties"}, {io, &lib.ioObjectRelease, "IOObjectRelease"},
		{rep, &lib.copyChannels, "IOReportCopyChannelsInGroup"}, {rep, &lib.mergeChannels, "IOReportMergeChannels"},
		{rep, &lib.subscribe, "IOReportCreateSubscription"}, {rep, &lib.createSamples, "IOReportCreateSamples"},
		{rep, &lib.samplesDelta, "IOReportCreateSamplesDelta"}, {rep, &lib.channelGroup, "IOReportChannelGetGroup"},
		{rep, &lib.channelSubgroup, "IOReportChannelGetSubGroup"}, {rep, &lib.channelName, "IOReportChannelGetChannelName"},
		{rep, &lib.channelUnit, "IOReportChannelGetUnitLabel"}, {rep, &lib.channelFormat, "IOReportChannelGetFormat"},
		{rep, &lib.simpleValue, "IOReportSimpleGetIntegerValue"}, {rep, &lib.stateCount, "IOReportStateGetCount"},
		{rep, &lib.stateName, "IOReportStateGetNameForIndex"}, {rep, &lib.stateResidency, "IOReportStateGetResidency"},
	} {
		purego.RegisterLibFunc(b.fn, b.h, b.name)
	}
	return lib, nil
}

// str copies a CFString (nil for NULL); ownership does not change.
func (l *ioLib) str(s uintptr) string {
	if s == 0 {
		return ""
	}
	buf := make([]byte, 256)
	if l.cfStringGetCString(s, buf, len(buf), cfUTF8) == 0 {
		return ""
	}
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf)
}

// IOReport meters Apple silicon through IOReport's Energy Model, CPU Stats and GPU Stats
// channels, which need no sudo.
type IOReport struct {
	lib    *ioLib
	sub    uintptr
	subbed uintptr
	key    uintptr // "IOReportChannels"
	mu     sync.Mutex
	prev   uintptr // the last sample, ours to release
	meter  ioMeter
}

// OpenIOReport subscribes to the channels and takes a first sample.
func OpenIOReport(chip string) (*IOReport, error) {
	lib, err := loadIOLib()
	if err != nil {
		return nil, err
	}
	m := &IOReport{lib: lib, meter: ioMeter{table: lib.dvfs(chip)}}
	cfs := func(s string) uintptr { return lib.cfStringCreate(0, s, cfUTF8) }
	groups := [][2]string{{ioEnergyGroup, ""}, {ioCPUGroup, ioCPUCores}, {ioGPUGroup, ioGPUStates}}
	var chans uintptr
	for _, g := range groups {
		group, sub := cfs(g[0]), uintptr(0)
		if g[1] != "" {
			sub = cfs(g[1])
		}
		c := lib.copyChannels(group, sub, 0, 0, 0)
		lib.cfRelease(group)
		if sub != 0 {
			lib.cfRelease(sub)
		}
		if c == 0 {
			continue
		}
		if chans == 0 {
			chans = c
			continue
		}
		lib.mergeChannels(chans, c, 0)
		lib.cfRelease(c)
	}
	if chans == 0 {
		return nil, errors.New("ioreport: no Energy Model channels on this Mac")
	}
	m.sub = lib.subscribe(0, chans, &m.subbed, 0, 0)
	if m.sub == 0 || m.subbed == 0 {
		return nil, errors.New("ioreport: subscription refused")
	}
	m.key = cfs("IOReportChannels")
	if m.prev = lib.createSamples(m.sub, m.subbed, 0); m.prev == 0 {
		return nil, errors.New("ioreport: no sample")
	}
	return m, nil
}

func (m *IOReport) Source() string { return SourceIOReport }

func (m *IOReport) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.prev != 0 {
		m.lib.cfRelease(m.prev)
		m.prev = 0
	}
	return nil
}

// Read samples the channels and adds the difference from the last Read.
func (m *IOReport) Read(ctx context.Context) (Reading, error) {
	if err := ctx.Err(); err != nil {
		return Reading{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.lib
	cur := l.createSamples(m.sub, m.subbed, 0)
	at := time.Now()
	if cur == 0 {
		return Reading{}, errors.New("ioreport: no sample")
	}
	delta := l.samplesDelta(m.prev, cur, 0)
	l.cfRelease(m.prev)
	m.prev = cur
	if delta == 0 {
		return Reading{}, errors.New("ioreport: no difference between samples")
	}
	defer l.cfRelease(delta)
	arr := l.cfDictGet(delta, m.key) // Get rule: owned by delta
	if arr == 0 {
		return Reading{}, errors.New("ioreport: sample without channels")
	}
	var chs []ioChannel
	for i := range l.cfArrayCount(arr) {
		ch := l.cfArrayAt(arr, i)
		c := ioChannel{Group: l.str(l.channelGroup(ch)), Subgroup: l.str(l.channelSubgroup(ch)),
			Name: l.str(l.channelName(ch)), Unit: strings.TrimSpace(l.str(l.channelUnit(ch)))}
		switch l.channelFormat(ch) {
		case ioFormatSimple:
			c.Value = l.simpleValue(ch, 0)
		case ioFormatState:
			for s := range l.stateCount(ch) {
				c.States = append(c.States, ioState{Name: l.str(l.stateName(ch, s)), Residency: l.stateResidency(ch, s)})
			}
		}
		chs = append(chs, c)
	}
	return m.meter.add(at, chs)
}

// dvfs reads the performance cores' and the GPU's frequency tables from the pmgr device. A
// table it cannot find is left empty and that clock reads unknown.
func (l *ioLib) dvfs(chip string) dvfs {
	var t dvfs
	var it uint32
	if l.ioGetMatchingServices(kIOMainPortDefault, l.ioServiceMatching("AppleARMIODevice"), &it) != 0 {
		return t
	}
	defer l.ioObjectRelease(it)
	// M1 to M3 list CPU frequencies in Hz, later chips in kHz; GPUs in Hz.
	cpuScale := 1e3
	for _, old := range []string{"M1", "M2", "M3"} {
		if strings.Contains(chip, old) {
			cpuScale = 1e6
		}
	}
	for entry := l.ioIteratorNext(it); entry != 0; entry = l.ioIteratorNext(it) {
		name := make([]byte, 128)
		l.ioEntryName(entry, &name[0])
		if string(bytes.TrimRight(name, "\x00")) != "pmgr" {
			l.ioObjectRelease(entry)
			continue
		}
		var props uintptr
		if l.ioEntryProperties(entry, &props, 0, 0) == 0 && props != 0 {
			t.PCPU = parseDVFS(l.data(props, "voltage-states5-sram"), cpuScale)
			t.GPU = parseDVFS(l.data(props, "voltage-states9"), 1e6)
			l.cfRelease(props)
		}
		l.ioObjectRelease(entry)
		break
	}
	return t
}

// data copies the bytes of a CFData value of dict.
func (l *ioLib) data(dict uintptr, key string) []byte {
	k := l.cfStringCreate(0, key, cfUTF8)
	defer l.cfRelease(k)
	d := l.cfDictGet(dict, k)
	if d == 0 {
		return nil
	}
	n := l.cfDataLength(d)
	p := l.cfDataBytes(d)
	if n <= 0 || p == nil {
		return nil
	}
	return bytes.Clone(unsafe.Slice((*byte)(p), n))
}
