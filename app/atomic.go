package app

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// AtomicFile is written under a temporary name in the destination's folder and renamed into
// place on Commit, so readers see the old file or the whole new one, never part of it.
type AtomicFile struct {
	*os.File
	path string
	done bool
}

// WriteFileAtomic writes b under a temporary name beside path and renames it into place.
func WriteFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := CreateAtomicFile(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// CreateAtomicFile is createAtomic for paths the app chose or a save panel returned: its errors
// name the path rather than a command-line flag.
func CreateAtomicFile(path string) (*AtomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	}
	return &AtomicFile{File: f, path: path}, nil
}

// Commit makes the file durable and moves it into place. A file already at the path keeps its
// permissions; a new one gets the usual 0644 rather than CreateTemp's 0600.
func (f *AtomicFile) Commit() error {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(f.path); err == nil {
		mode = fi.Mode().Perm()
	}
	err := f.Chmod(mode)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	f.done = true
	return nil
}

// Abort removes the temporary file unless Commit succeeded; it is safe to call after Commit.
func (f *AtomicFile) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}
