package power

import (
	"errors"
	"fmt"

	"github.com/ebitengine/purego"
)

// libNVML is libnvidia-ml.so.1 loaded through purego, and GPU 0's handle.
type libNVML struct {
	lib      uintptr
	dev      uintptr
	energy   func(dev uintptr, mj *uint64) int32
	power    func(dev uintptr, mw *uint32) int32
	clock    func(dev uintptr, kind int32, mhz *uint32) int32
	shutdown func() int32
}

// nvmlClockSM is NVML_CLOCK_SM in nvmlClockType_t.
const nvmlClockSM = 1

// openNVML loads the driver's library and opens GPU 0, the device MLX's CUDA backend uses
// unless CUDA_VISIBLE_DEVICES says otherwise.
func openNVML() (nvmlDevice, error) {
	lib, err := purego.Dlopen("libnvidia-ml.so.1", purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, fmt.Errorf("nvml: %w", err)
	}
	l := &libNVML{lib: lib}
	var (
		initFn func() int32
		handle func(index uint32, dev *uintptr) int32
	)
	for _, f := range []struct {
		name string
		fn   any
	}{
		{"nvmlInit_v2", &initFn},
		{"nvmlDeviceGetHandleByIndex_v2", &handle},
		{"nvmlDeviceGetTotalEnergyConsumption", &l.energy},
		{"nvmlDeviceGetPowerUsage", &l.power},
		{"nvmlDeviceGetClockInfo", &l.clock},
		{"nvmlShutdown", &l.shutdown},
	} {
		sym, err := purego.Dlsym(lib, f.name)
		if err != nil {
			purego.Dlclose(lib)
			return nil, fmt.Errorf("nvml: %s: %w", f.name, err)
		}
		purego.RegisterFunc(f.fn, sym)
	}
	if rc := initFn(); rc != 0 {
		purego.Dlclose(lib)
		return nil, fmt.Errorf("nvml: nvmlInit returned %d", rc)
	}
	if rc := handle(0, &l.dev); rc != 0 {
		l.Close()
		return nil, fmt.Errorf("nvml: no GPU 0 (nvmlDeviceGetHandleByIndex returned %d)", rc)
	}
	return l, nil
}

func nvmlErr(rc int32) error {
	if rc == 0 {
		return nil
	}
	return errors.New("NVML error " + fmt.Sprint(rc))
}

func (l *libNVML) TotalEnergyMJ() (uint64, error) {
	var v uint64
	return v, nvmlErr(l.energy(l.dev, &v))
}

func (l *libNVML) PowerMW() (uint32, error) {
	var v uint32
	return v, nvmlErr(l.power(l.dev, &v))
}

func (l *libNVML) SMClockMHz() (uint32, error) {
	var v uint32
	return v, nvmlErr(l.clock(l.dev, nvmlClockSM, &v))
}

func (l *libNVML) Close() error {
	l.shutdown()
	return purego.Dlclose(l.lib)
}
