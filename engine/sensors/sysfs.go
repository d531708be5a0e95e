package sensors

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Linux reads the machine's state from the files the Linux kernel exposes
// under /sys and /proc. It builds on every platform, so that its tests run
// against fixture trees anywhere; New returns one rooted at "/" on Linux.
//
// Idle time and CPU throttling are changes between two Reads, so a Linux
// keeps the previous samples: use one value for successive Reads. It is
// safe for concurrent use and must not be copied after the first Read.
type Linux struct {
	Root string           // "/" normally, a fixture tree in tests; empty means "/"
	Now  func() time.Time // nil means time.Now
	// Logind reports the user's idle hint as systemd-logind keeps it. When
	// it is nil or not ok, idle time falls back to CPU activity.
	Logind func(ctx context.Context) (idleHint bool, idleSince time.Time, ok bool)

	mu         sync.Mutex
	cpu        cpuSample         // previous /proc/stat sample
	haveCPU    bool              // cpu holds a sample
	quietSince time.Time         // end of the last busy interval, or the first sample
	throttle   map[string]uint64 // previous throttle count per counter file
}

const (
	// busyShare is the share of non-idle CPU time above which an interval
	// between two samples counts as busy. A desktop doing nothing sits at a
	// few percent; a build, a video or a benchmark is well above.
	busyShare = 0.20

	// Zones without trip points get these: most x86 packages report no
	// usable trips, and their CPUs throttle near 100°C.
	defaultPassiveC  = 80.0
	defaultCriticalC = 100.0
	// fairMarginC is how far below the passive trip a zone counts as fair:
	// warm enough that a long run may reach throttling.
	fairMarginC = 10.0
)

// Read reads every sensor; those it cannot read are unknown, with a note.
func (l *Linux) Read(ctx context.Context) (Reading, error) {
	if err := ctx.Err(); err != nil {
		return Reading{}, err
	}
	// Asked before taking the lock: it may run a command.
	var hint, hintOK bool
	var since time.Time
	if l.Logind != nil {
		hint, since, hintOK = l.Logind(ctx)
	}
	if err := ctx.Err(); err != nil {
		return Reading{}, err
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	r := unknownReading(now)

	// Sampled even when logind answers, so that the fallback has a recent
	// sample the moment logind stops answering.
	cpuIdle, cpuNote := l.cpuIdle(now)
	switch {
	case hintOK && hint:
		r.IdleSeconds = max(0, now.Sub(since).Seconds())
		r.Notes = append(r.Notes, "idle: logind IdleSinceHint")
	case hintOK:
		r.IdleSeconds = 0
		r.Notes = append(r.Notes, "idle: logind IdleHint=no (user active)")
	default:
		r.IdleSeconds = cpuIdle
		r.Notes = append(r.Notes, cpuNote)
	}

	var note string
	r.Power, note = l.power()
	r.Notes = append(r.Notes, note)

	var notes []string
	r.Thermal, r.TemperatureC, notes = l.thermal()
	r.Notes = append(r.Notes, notes...)

	r.LowPower, note = l.lowPower()
	r.Notes = append(r.Notes, note)
	return r, nil
}

func (l *Linux) path(rel string) string {
	root := l.Root
	if root == "" {
		root = "/"
	}
	return filepath.Join(root, rel)
}

// readValue returns a sysfs attribute without its trailing newline.
func readValue(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

func readInt(path string) (int64, error) {
	v, err := readValue(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// power reads /sys/class/power_supply. Mains or USB supplies online mean
// AC; a discharging battery with no supply online means battery.
func (l *Linux) power() (Power, string) {
	if _, err := os.Stat(l.path("sys/class")); err != nil {
		return PowerUnknown, fmt.Sprintf("power: no /sys/class: %v", err)
	}
	dirs, _ := filepath.Glob(l.path("sys/class/power_supply/*"))
	var online, offline, discharging, charging, batteries, broken []string
	for _, dir := range dirs {
		name := filepath.Base(dir)
		// A wireless mouse's battery says nothing about the machine's.
		if scope, err := readValue(filepath.Join(dir, "scope")); err == nil && scope == "Device" {
			continue
		}
		typ, err := readValue(filepath.Join(dir, "type"))
		if err != nil {
			broken = append(broken, name+" type unreadable")
			continue
		}
		switch typ {
		case "Mains", "USB":
			// USB-C ports report 2 for a programmable source: online too.
			n, err := readInt(filepath.Join(dir, "online"))
			if err != nil {
				broken = append(broken, name+" online unreadable")
			} else if n > 0 {
				online = append(online, name)
			} else {
				offline = append(offline, name)
			}
		case "Battery":
			status, err := readValue(filepath.Join(dir, "status"))
			if err != nil {
				broken = append(broken, name+" status unreadable")
				continue
			}
			batteries = append(batteries, name)
			switch status {
			case "Discharging":
				discharging = append(discharging, name)
			case "Charging", "Full", "Not charging": // only on external power
				charging = append(charging, name+" "+status)
			}
		case "UPS", "Wireless", "Unknown":
			// Kernel types that tell nothing here.
		default:
			broken = append(broken, fmt.Sprintf("%s type %q", name, typ))
		}
	}
	switch {
	case len(online) > 0:
		return PowerAC, "power: " + strings.Join(online, ", ") + " online"
	case len(discharging) > 0:
		return PowerBattery, "power: " + strings.Join(discharging, ", ") + " discharging"
	case len(charging) > 0:
		return PowerAC, "power: " + strings.Join(charging, ", ")
	case len(offline) > 0 && len(batteries) > 0:
		return PowerBattery, "power: " + strings.Join(offline, ", ") + " offline"
	case len(broken) > 0:
		return PowerUnknown, "power: " + strings.Join(broken, "; ")
	case len(offline) == 0 && len(batteries) == 0:
		return PowerAC, "power: no power supplies (a desktop on mains)"
	default:
		return PowerUnknown, fmt.Sprintf("power: supplies %v offline, battery status unknown", offline)
	}
}

// lowPower reads the ACPI platform profile, the kernel's closest match to
// macOS's low-power mode.
func (l *Linux) lowPower() (Tri, string) {
	v, err := readValue(l.path("sys/firmware/acpi/platform_profile"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Unknown, "lowpower: no /sys/firmware/acpi/platform_profile"
	case err != nil:
		return Unknown, fmt.Sprintf("lowpower: platform_profile unreadable: %v", err)
	case v == "low-power":
		return True, "lowpower: platform_profile low-power"
	default:
		return False, fmt.Sprintf("lowpower: platform_profile %q", v)
	}
}

// cpuSample is the aggregate line of /proc/stat, in clock ticks.
type cpuSample struct {
	idle, total uint64
}

// readCPU reads the "cpu" line of /proc/stat: user nice system idle iowait
// irq softirq steal; guest time is already counted in user and nice.
func readCPU(path string) (cpuSample, error) {
	f, err := os.Open(path)
	if err != nil {
		return cpuSample{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 || fields[0] != "cpu" {
			continue
		}
		var s cpuSample
		for i, v := range fields[1:min(len(fields), 9)] {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return cpuSample{}, fmt.Errorf("cpu field %d: %w", i+1, err)
			}
			s.total += n
			if i == 3 || i == 4 { // idle, iowait
				s.idle += n
			}
		}
		return s, nil
	}
	if err := sc.Err(); err != nil {
		return cpuSample{}, err
	}
	return cpuSample{}, errors.New("no cpu line")
}

// cpuIdle returns how long the CPU has been quiet: the time since the end
// of the last interval between two samples in which more than busyShare of
// CPU time was busy, or since the first sample. This is what "idle" means
// on a machine without a logind idle hint, such as a server without a
// keyboard: a quiet CPU, not an absent user. -1 before the second sample.
func (l *Linux) cpuIdle(now time.Time) (float64, string) {
	s, err := readCPU(l.path("proc/stat"))
	if err != nil {
		l.haveCPU = false
		return -1, fmt.Sprintf("idle: no logind idle hint, /proc/stat unreadable: %v", err)
	}
	prev, had := l.cpu, l.haveCPU
	l.cpu, l.haveCPU = s, true
	// Counters that went back mean a new baseline (a restored VM snapshot).
	if !had || s.total < prev.total || s.idle < prev.idle {
		l.quietSince = now
		return -1, "idle: no logind idle hint, first /proc/stat sample (CPU quiet time needs two)"
	}
	if dt := s.total - prev.total; dt > 0 {
		busy := float64(dt-(s.idle-prev.idle)) / float64(dt)
		if busy > busyShare {
			l.quietSince = now
		}
	}
	return max(0, now.Sub(l.quietSince).Seconds()),
		fmt.Sprintf("idle: no logind idle hint, CPU quiet (≤%.0f%% busy in /proc/stat) since %s",
			busyShare*100, l.quietSince.Format(time.RFC3339))
}

// parseLoginctl parses the output of
// "loginctl show-session [ID] -p IdleHint -p IdleSinceHint": lines such as
// "IdleHint=yes" and "IdleSinceHint=1712345678901234", microseconds since
// the epoch, 0 when never set. An idle hint with no time is not ok: logind
// says so for a machine with no sessions, which knows nothing of its user.
func parseLoginctl(out []byte) (idleHint bool, idleSince time.Time, ok bool) {
	var haveHint bool
	var usec int64
	for line := range strings.Lines(string(out)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "IdleHint":
			haveHint = slices.Contains([]string{"yes", "no"}, v)
			idleHint = v == "yes"
		case "IdleSinceHint":
			usec, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if !haveHint || idleHint && usec <= 0 {
		return false, time.Time{}, false
	}
	if usec > 0 {
		idleSince = time.UnixMicro(usec)
	}
	return idleHint, idleSince, true
}
