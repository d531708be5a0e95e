package sensors

import (
	"context"
	"os"
	"os/exec"
	"time"
)

// New returns a source that reads this machine's /sys and /proc, with the
// user's idle time from logind where a session reports it.
func New() Source {
	return &Linux{Root: "/", Now: time.Now, Logind: loginctl}
}

// loginctl asks systemd-logind for the idle hint of our session, or, when
// we run outside one (a systemd service), of the whole machine: the
// manager's hint is idle only when every session is. It runs the loginctl
// command rather than speaking D-Bus, to keep to the standard library.
func loginctl(ctx context.Context) (idleHint bool, idleSince time.Time, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	args := []string{"show-session"}
	if id := os.Getenv("XDG_SESSION_ID"); id != "" {
		args = append(args, id)
	}
	// Named properties rather than --value: loginctl prints them in its own
	// order, not in the order asked.
	args = append(args, "-p", "IdleHint", "-p", "IdleSinceHint")
	out, err := exec.CommandContext(ctx, "loginctl", args...).Output()
	if err != nil { // no systemd, no such session, or no loginctl at all
		return false, time.Time{}, false
	}
	return parseLoginctl(out)
}
