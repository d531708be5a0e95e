package app

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// AtomicFile is written under a temporary name in the destination's folder and renamed into
// place on Commit, so readers see the old file or the whole new one, never part of it. A
// destination that is not a regular file (a terminal, /dev/stdout, a FIFO, /dev/null) cannot
// be renamed over: it is written in place instead.
type AtomicFile struct {
	*os.File
	path    string // the file renamed over: a symlink's target, not the link
	done    bool
	inPlace bool
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
// name the path rather than a command-line flag. A symlink is followed, so the link stays and
// its target is replaced; a character device or FIFO is opened for writing in place; any other
// kind of file (a socket, a block device) is refused.
func CreateAtomicFile(path string) (*AtomicFile, error) {
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	} else if link, lerr := os.Readlink(path); lerr == nil {
		// A link to a file yet to be made: make it where the link points.
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		target = link
	}
	if fi, err := os.Stat(target); err == nil && !fi.Mode().IsRegular() {
		m := fi.Mode()
		if m&fs.ModeCharDevice == 0 && m&fs.ModeNamedPipe == 0 {
			return nil, fmt.Errorf("cannot write %s: it is neither a regular file, a terminal nor a pipe (%s)", path, m.Type())
		}
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("cannot write %s: %w", path, err)
		}
		return &AtomicFile{File: f, path: target, inPlace: true}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	}
	return &AtomicFile{File: f, path: target}, nil
}

// Commit makes the file durable and moves it into place. A file already at the path keeps its
// permissions; a new one gets the usual 0644 rather than CreateTemp's 0600.
func (f *AtomicFile) Commit() error {
	if f.inPlace {
		f.done = true
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", f.path, err)
		}
		return nil
	}
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
	if !f.inPlace {
		os.Remove(f.Name())
	}
}
