package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/inferbench/inferbench/flock"
)

// BusyError is another inferbench measuring on this machine or into this database: two at
// once would store configurations twice and slow each other's measurements down.
type BusyError struct {
	PID  int    // the other process, 0 when unknown
	Lock string // the lock file it holds
}

func (e *BusyError) Error() string {
	who := "another inferbench"
	if e.PID > 0 {
		who = fmt.Sprintf("another inferbench (pid %d)", e.PID)
	}
	return who + " is measuring; wait for it or stop it (--wait waits for it to finish; lock " + e.Lock + ")"
}

// LockDir is where the machine's measuring lock lives: INFERBENCH_LOCK_DIR, else /tmp, which
// every user of the machine shares.
func (e Env) LockDir() string {
	if d := e.Getenv("INFERBENCH_LOCK_DIR"); d != "" {
		return d
	}
	return "/tmp"
}

// machineLockName is the lock every measuring inferbench on a machine takes.
const machineLockName = "inferbench-measuring.lock"

// LockMeasuring makes this process the one that measures: on the machine (so that runs do not
// compete for it) and into the database at dbPath (so that no configuration is stored twice).
// Commands that only read never call it. Without wait, a holder elsewhere is a *BusyError; with
// wait, it waits for the holder to finish or ctx to end. release gives both locks up; the system
// also releases them when the process dies.
func LockMeasuring(ctx context.Context, env Env, dbPath string, wait bool) (release func(), err error) {
	paths := []string{filepath.Join(env.LockDir(), machineLockName), dbPath + ".lock"}
	var held []*flock.Lock
	release = func() {
		for i := len(held) - 1; i >= 0; i-- {
			held[i].Release()
		}
	}
	for _, p := range paths {
		l, err := flock.Acquire(ctx, p, wait)
		var busy *flock.HeldError
		if errors.As(err, &busy) {
			release()
			return nil, &BusyError{PID: busy.PID, Lock: p}
		}
		if err != nil {
			release()
			return nil, err
		}
		held = append(held, l)
	}
	return release, nil
}
