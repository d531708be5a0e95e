//go:build !unix

package flock

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("lock held")

// tryLock cannot lock on this system; Inferbench measures on macOS and Linux only.
func tryLock(*os.File) error { return errors.New("file locks are not supported on this system") }

func unlock(*os.File) error { return nil }
