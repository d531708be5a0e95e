package main

import (
	"fmt"
	"go/build"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// A Report is the outcome of a check.
type Report struct {
	Packages int          // packages of the module type-checked
	Errors   []Diagnostic // errors to fix
	Ignored  []Diagnostic // errors that follow only from cgo not running
	// Closures are the places that make a libffi closure through darwinkit,
	// which crashes the app (see closures.go).
	Closures    []Diagnostic
	Files       []string // Go files type-checked, absolute
	DarwinFiles []string // those of Files that a Linux build leaves out
}

// A Diagnostic is one error of a package.
type Diagnostic struct {
	Pkg string         // import path of the package
	Pos token.Position // Filename is empty when the error has no position
	Msg string
}

func (d Diagnostic) String() string {
	if d.Pos.Filename == "" {
		return d.Pkg + ": " + d.Msg
	}
	return d.Pos.String() + ": " + d.Msg
}

// env selects macOS on Apple silicon with cgo, as a Mac build has it.
func env() []string {
	return append(os.Environ(), "GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=1")
}

// check type-checks the packages that patterns match in the module of the
// current directory, with their tests, for darwin/arm64 and the build tags.
func check(patterns, tags []string) (*Report, error) {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	var flags []string
	if len(tags) > 0 {
		flags = []string{"-tags=" + strings.Join(tags, ",")}
	}

	// go list drops a pattern that matches nothing with only a warning, so
	// each pattern is listed on its own first (cheap: no types, no cgo).
	for _, pattern := range patterns {
		pkgs, err := packages.Load(&packages.Config{
			Mode:       packages.NeedName | packages.NeedModule,
			Env:        env(),
			BuildFlags: flags,
		}, pattern)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(pkgs, inModule) {
			return nil, fmt.Errorf("pattern %s matches no package of this module", pattern)
		}
	}

	pkgs, err := packages.Load(&packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
			packages.NeedImports | packages.NeedDeps | packages.NeedTypes |
			packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule,
		Env:        env(),
		BuildFlags: flags,
		Tests:      true,
	}, patterns...)
	if err != nil {
		return nil, err
	}

	r := new(Report)
	cgo := newCgoFilter(pkgs)
	linux := linuxContext(tags)
	paths := make(map[string]bool)
	// A package and its test variant share files, and so errors.
	files := make(map[string]bool)
	seen := make(map[string]bool)
	add := func(d Diagnostic, ignore bool) {
		if key := d.String(); !seen[key] {
			seen[key] = true
			if ignore {
				r.Ignored = append(r.Ignored, d)
			} else {
				r.Errors = append(r.Errors, d)
			}
		}
	}
	for _, pkg := range pkgs {
		// A dependency's own errors are not ours to fix; it is checked as
		// far as our code uses it.
		if !inModule(pkg) {
			continue
		}
		if !isTestMain(pkg) {
			paths[pkg.PkgPath] = true
		}
		for _, f := range pkg.CompiledGoFiles {
			if !files[f] {
				files[f] = true
				r.Files = append(r.Files, f)
				if darwinOnly(linux, f) {
					r.DarwinFiles = append(r.DarwinFiles, f)
				}
			}
		}
		for _, e := range pkg.Errors {
			if e.Kind != packages.TypeError {
				d := Diagnostic{Pkg: pkg.PkgPath, Pos: position(e.Pos), Msg: e.Msg}
				add(d, cgo.listError(e))
			}
		}
		for _, e := range pkg.TypeErrors {
			d := Diagnostic{Pkg: pkg.PkgPath, Pos: e.Fset.Position(e.Pos), Msg: e.Msg}
			add(d, cgo.typeError(pkg, e))
		}
	}
	r.Packages = len(paths)
	if err := r.checkClosures(pkgs); err != nil {
		return nil, err
	}
	sortDiagnostics(r.Errors)
	sortDiagnostics(r.Ignored)
	slices.Sort(r.Files)
	slices.Sort(r.DarwinFiles)
	return r, nil
}

func inModule(pkg *packages.Package) bool {
	return pkg.Module != nil && pkg.Module.Main
}

// isTestMain reports whether pkg is the main package the go command
// generates to run a package's tests.
func isTestMain(pkg *packages.Package) bool {
	return pkg.Name == "main" && pkg.ID == pkg.PkgPath && strings.HasSuffix(pkg.PkgPath, ".test")
}

// position parses the "file:line:col" form of packages.Error.Pos, which
// may also be "file:line", "file", "-" or empty.
func position(s string) token.Position {
	var n []int
	for len(n) < 2 {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			break
		}
		v, err := strconv.Atoi(s[i+1:])
		if err != nil {
			break
		}
		n = append(n, v)
		s = s[:i]
	}
	if s == "-" {
		s = ""
	}
	p := token.Position{Filename: s}
	switch len(n) {
	case 1:
		p.Line = n[0]
	case 2:
		p.Line, p.Column = n[1], n[0]
	}
	return p
}

func sortDiagnostics(ds []Diagnostic) {
	slices.SortFunc(ds, func(a, b Diagnostic) int {
		if c := strings.Compare(a.Pos.Filename, b.Pos.Filename); c != 0 {
			return c
		}
		if c := a.Pos.Line - b.Pos.Line; c != 0 {
			return c
		}
		if c := a.Pos.Column - b.Pos.Column; c != 0 {
			return c
		}
		if c := strings.Compare(a.Pkg, b.Pkg); c != 0 {
			return c
		}
		return strings.Compare(a.Msg, b.Msg)
	})
}

// linuxContext is the build that darwin-only files are told apart by:
// Linux on the same architecture, with cgo and the same tags.
func linuxContext(tags []string) *build.Context {
	ctx := build.Default
	ctx.GOOS = "linux"
	ctx.GOARCH = "arm64"
	ctx.CgoEnabled = true
	ctx.BuildTags = tags
	return &ctx
}

// darwinOnly reports whether ctx leaves out the source file. The go
// command's generated files, which have no .go suffix, are not.
func darwinOnly(ctx *build.Context, file string) bool {
	dir, name := filepath.Split(file)
	if !strings.HasSuffix(name, ".go") {
		return false
	}
	ok, err := ctx.MatchFile(dir, name)
	return err == nil && !ok
}

// checkClosures fills r.Closures when the module uses darwinkit.
func (r *Report) checkClosures(pkgs []*packages.Package) error {
	uses := false
	packages.Visit(pkgs, nil, func(pkg *packages.Package) {
		uses = uses || strings.HasPrefix(pkg.PkgPath+"/", darwinkitPath)
	})
	if !uses {
		return nil
	}
	g, err := newClosureGraph(pkgs)
	if err != nil {
		return err
	}
	seen := make(map[string]bool)
	for _, pkg := range pkgs {
		if !inModule(pkg) || pkg.TypesInfo == nil {
			continue
		}
		for _, d := range g.closures(pkg) {
			if key := d.String(); !seen[key] {
				seen[key] = true
				r.Closures = append(r.Closures, d)
			}
		}
	}
	sortDiagnostics(r.Closures)
	return nil
}
