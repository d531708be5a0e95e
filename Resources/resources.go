// Package resources holds the files the inferbench binary carries inside itself: the Python MLX
// worker, its pinned requirements and the model catalog. Embedding them lets a single binary run
// anywhere; the worker is unpacked next to the user's cache before it starts.
package resources

import (
	"embed"
	"io/fs"
)

//go:embed worker/inferbench_worker/*.py worker/inferbench_worker/catalog.json worker/requirements-*.txt data/apple_silicon.csv
var files embed.FS

// Worker returns the worker tree: inferbench_worker/ (the Python package) and requirements-*.txt.
func Worker() fs.FS {
	sub, err := fs.Sub(files, "worker")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Catalog returns the model and precision catalog shared by the Go engine and the worker.
func Catalog() []byte {
	b, err := files.ReadFile("worker/inferbench_worker/catalog.json")
	if err != nil {
		panic(err)
	}
	return b
}

// AppleSilicon returns a table of Apple chips and their memory bandwidth (CSV with a header:
// chip, bandwidth_gbs, ...), which lets the advisor relate speed to the chip a run was on.
func AppleSilicon() []byte {
	b, err := files.ReadFile("data/apple_silicon.csv")
	if err != nil {
		panic(err)
	}
	return b
}
