package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// UnpackWorker writes the embedded worker tree under cacheDir in a folder named by its content
// hash, so every binary runs exactly the worker it was built with, and returns that folder.
// An existing complete folder is reused; a half-written one never becomes visible because the
// tree is written to a temporary folder and renamed into place.
func UnpackWorker(tree fs.FS, cacheDir string) (string, error) {
	sum, err := hashTree(tree)
	if err != nil {
		return "", fmt.Errorf("read embedded worker: %w", err)
	}
	dest := filepath.Join(cacheDir, "worker-"+sum[:16])
	if _, err := os.Stat(filepath.Join(dest, "inferbench_worker", "__main__.py")); err == nil {
		return dest, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("unpack worker: %w (set XDG_CACHE_HOME to a writable folder)", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, ".worker-*")
	if err != nil {
		return "", fmt.Errorf("unpack worker: %w", err)
	}
	defer os.RemoveAll(tmp)
	err = fs.WalkDir(tree, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(tmp, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := fs.ReadFile(tree, path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		return "", fmt.Errorf("unpack worker: %w", err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		// Another inferbench may have won the race; its copy is identical.
		if _, statErr := os.Stat(dest); statErr == nil {
			return dest, nil
		}
		return "", fmt.Errorf("unpack worker: %w", err)
	}
	return dest, nil
}

func hashTree(tree fs.FS) (string, error) {
	var paths []string
	err := fs.WalkDir(tree, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		b, err := fs.ReadFile(tree, p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
