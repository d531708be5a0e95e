// Package flock holds advisory locks on files with flock(2). The system releases a lock when
// its process ends, however it ends, so a crashed or killed holder never leaves one behind.
package flock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// HeldError is a lock that another process holds.
type HeldError struct {
	Path string
	PID  int // the holder's pid as it wrote it; 0 when unknown
}

func (e *HeldError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is locked by pid %d", e.Path, e.PID)
	}
	return e.Path + " is locked by another process"
}

// Lock is a held lock.
type Lock struct{ f *os.File }

// pollEvery is how often a waiting Acquire tries again: flock cannot be cancelled while it
// blocks, and a context must be able to end the wait.
const pollEvery = 200 * time.Millisecond

// Acquire takes the exclusive lock on path, creating the file if need be, and writes this
// process's pid into it for whoever finds it held. Without wait, a lock held elsewhere is a
// *HeldError at once; with wait, Acquire tries again until it gets the lock or ctx ends.
func Acquire(ctx context.Context, path string, wait bool) (*Lock, error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	for {
		err := tryLock(f)
		if err == nil {
			break
		}
		if !errors.Is(err, errWouldBlock) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !wait {
			f.Close()
			return nil, &HeldError{Path: path, PID: holder(path)}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
	// Only the file's owner can write it; the pid is a courtesy, the lock is what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = unlock(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}

// openLockFile opens path for locking: read-write where it can, else read-only (flock works
// on either), so that users who share a machine share its lock file.
func openLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err == nil {
		// Whoever creates it lets everyone lock it, whatever their umask.
		_ = f.Chmod(0o666)
		return f, nil
	}
	if errors.Is(err, os.ErrPermission) {
		return os.Open(path)
	}
	return nil, err
}

// holder reads the pid the holder wrote.
func holder(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}
