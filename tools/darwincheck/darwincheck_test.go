package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestModule checks the module itself, as make check-darwin does.
func TestModule(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	r, err := check(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range r.Errors {
		t.Errorf("%s", d)
	}
	// The menu-bar app must make no libffi closure (see closures.go).
	for _, d := range r.Closures {
		t.Errorf("%s", d)
	}
	machine := filepath.Join(root, "engine", "machine_darwin.go")
	if !slices.Contains(r.Files, machine) {
		t.Errorf("%s was not checked; files: %v", machine, r.Files)
	}
	if !slices.Contains(r.DarwinFiles, machine) {
		t.Errorf("%s is not among the darwin-only files %v", machine, r.DarwinFiles)
	}
	for _, f := range r.Files {
		if strings.HasSuffix(f, "_linux.go") || strings.HasSuffix(f, "_other.go") {
			t.Errorf("checked %s, which darwin leaves out", f)
		}
	}
}

// TestCanary checks testdata/canary, whose mistakes are marked with want
// comments, with cgo unable to run on any machine.
func TestCanary(t *testing.T) {
	t.Setenv("CC", "inferbench-no-such-cc")
	r, err := check([]string{"./testdata/canary"}, []string{"inferbench_canary"})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "canary"))
	if err != nil {
		t.Fatal(err)
	}
	want, cgoFiles := wants(t, dir)

	for _, d := range r.Errors {
		key := filepath.Base(d.Pos.Filename) + ":" + strconv.Itoa(d.Pos.Line)
		if w, ok := want[key]; ok && strings.Contains(d.Msg, w) {
			delete(want, key)
			continue
		}
		t.Errorf("unexpected error %s", d)
	}
	for key, w := range want {
		t.Errorf("%s: missing error %q", key, w)
	}

	// Ignored are the failed import of C and what follows from it, in the
	// files that use C: nothing of plain_darwin.go.
	imports := 0
	for _, d := range r.Ignored {
		if !cgoFiles[filepath.Base(d.Pos.Filename)] {
			t.Errorf("ignored %s, in a file without cgo", d)
		}
		if strings.HasPrefix(d.Msg, "could not import C") {
			imports++
		}
	}
	if imports != 1 {
		t.Errorf("ignored %d failed imports of C, want 1: %v", imports, r.Ignored)
	}

	var darwin []string
	for _, f := range r.DarwinFiles {
		darwin = append(darwin, filepath.Base(f))
	}
	if w := []string{"conn_darwin.go", "count_darwin.go", "plain_darwin.go"}; !slices.Equal(darwin, w) {
		t.Errorf("darwin-only files %v, want %v", darwin, w)
	}
	if r.Packages != 1 {
		t.Errorf("checked %d packages, want 1", r.Packages)
	}
}

var wantRE = regexp.MustCompile(`// want "([^"]*)"`)

// wants returns the want comments of the Go files in dir by "file:line",
// and the set of those files that import "C".
func wants(t *testing.T, dir string) (map[string]string, map[string]bool) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string]string)
	cgo := make(map[string]bool)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		for i, line := range strings.Split(string(data), "\n") {
			if m := wantRE.FindStringSubmatch(line); m != nil {
				want[name+":"+strconv.Itoa(i+1)] = m[1]
			}
			if line == `import "C"` {
				cgo[name] = true
			}
		}
	}
	if len(want) == 0 {
		t.Fatalf("no want comments in %s", dir)
	}
	return want, cgo
}

// TestNoMatch checks that a pattern matching no package is an error.
func TestNoMatch(t *testing.T) {
	if _, err := check([]string{"./no/such/dir/..."}, nil); err == nil {
		t.Error("no error for a pattern that matches nothing")
	}
}

// TestListError checks which reports of the go command are taken for a
// missing darwin toolchain.
func TestListError(t *testing.T) {
	f := &cgoFilter{}
	for _, c := range []struct {
		msg  string
		want bool
	}{
		{"# runtime/cgo\ncgo: C compiler \"clang\" not found: exec: \"clang\": executable file not found in $PATH", true},
		{"# runtime/cgo\ngcc: error: unrecognized command-line option '-arch'", true},
		{"# runtime/cgo\nclang: error: argument unused during compilation: '-arch arm64' [-Werror,-Wunused-command-line-argument]", true},
		{"# runtime/cgo\nclang: error: unsupported option '-arch' for target 'x86_64-pc-linux-gnu'", true},
		{"# example.com/p\np.go:10:3: error: unknown type name 'NSView'", false},
		{"no required module provides package example.com/q", false},
	} {
		e := packages.Error{Msg: c.msg, Kind: packages.ListError}
		if got := f.listError(e); got != c.want {
			t.Errorf("listError(%q) = %v, want %v", c.msg, got, c.want)
		}
	}
	e := packages.Error{Msg: "gcc: error: unrecognized command-line option '-arch'", Kind: packages.ParseError}
	if f.listError(e) {
		t.Errorf("listError took a parse error for a toolchain report")
	}
}

// TestClosures checks testdata/closures: every darwinkit call there that makes
// a libffi closure is reported, and those that go through cgo are not.
func TestClosures(t *testing.T) {
	r, err := check([]string{"./testdata/closures"}, []string{"inferbench_canary"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range r.Errors {
		t.Errorf("type error %s", d)
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "closures"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := wants(t, dir)
	for _, d := range r.Closures {
		key := filepath.Base(d.Pos.Filename) + ":" + strconv.Itoa(d.Pos.Line)
		if w, ok := want[key]; ok && strings.Contains(d.Msg, w) {
			delete(want, key)
			continue
		}
		t.Errorf("unexpected closure %s", d)
	}
	for key, w := range want {
		t.Errorf("%s: missing closure %q", key, w)
	}
}
