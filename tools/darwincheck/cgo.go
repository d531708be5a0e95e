package main

import (
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/packages"
)

// A cgoFilter tells the errors that follow only from cgo not running for
// darwin here, and so say nothing about our code.
//
// Without cgo, go/packages hands go/types the unprocessed files of a package
// that imports "C", and the import of C fails. go/types reports that once
// per package, at an import "C", then treats C as a fake package: it reports
// nothing about any C.x, nor about the expressions built from them, whose
// types are unknown. Only a Go type declared from a C type, as in
// "type count C.int", still draws errors: its underlying type is unknown,
// yet go/types rejects constants, conversions and operators that involve it.
type cgoFilter struct {
	// types holds the named types declared from C types, directly or
	// through other such types.
	types map[*types.TypeName]bool
}

func newCgoFilter(pkgs []*packages.Package) *cgoFilter {
	f := &cgoFilter{types: make(map[*types.TypeName]bool)}
	// Dependencies first, for types declared from another package's.
	packages.Visit(pkgs, nil, f.addTypes)
	return f
}

// toolchainMissing matches the go command's reports of a C compiler that is
// absent or cannot build for darwin: clang, darwin's default, not installed;
// GCC, which has no -arch flag; clang for a non-Apple target, which ignores
// -arch (before clang 18, an error under cgo's -Werror) or rejects it. A
// darwin compiler that rejects our C reports something else.
var toolchainMissing = regexp.MustCompile(`cgo: C compiler "[^"]*" not found|` +
	`unrecognized command-line option '-arch'|` +
	`argument unused during compilation: '-arch |` +
	`unsupported option '-arch' for target`)

// listError reports whether e, an error of the go command or the parser,
// says only that no C toolchain for darwin is at hand.
func (f *cgoFilter) listError(e packages.Error) bool {
	return e.Kind == packages.ListError && toolchainMissing.MatchString(e.Msg)
}

// typeError reports whether e, an error of go/types in pkg, follows only
// from the files of pkg or of its dependencies not having been through cgo.
func (f *cgoFilter) typeError(pkg *packages.Package, e types.Error) bool {
	file := fileOf(pkg, e.Pos)
	if file == nil {
		return false
	}
	if strings.HasPrefix(e.Msg, "could not import C (") {
		for _, imp := range file.Imports {
			if imp.Path.Value == `"C"` && imp.Pos() <= e.Pos && e.Pos < imp.End() {
				return true
			}
		}
		return false
	}
	if len(f.types) == 0 {
		return false
	}
	// The error must name a type declared from C that its statement uses,
	// so that other errors in the same statement are still reported.
	found := make(map[*types.TypeName]bool)
	seen := make(map[types.Type]bool)
	for _, n := range enclosing(file, e.Pos) {
		ast.Inspect(n, func(n ast.Node) bool {
			if x, ok := n.(ast.Expr); ok {
				f.collect(pkg.TypesInfo.TypeOf(x), found, seen)
			}
			return true
		})
	}
	for tn := range found {
		if mentions(e.Msg, tn, pkg.Types) {
			return true
		}
	}
	return false
}

// addTypes adds the named types of pkg that are declared from C types.
func (f *cgoFilter) addTypes(pkg *packages.Package) {
	info := pkg.TypesInfo
	if info == nil {
		return
	}
	unknown := make(map[*ast.Ident]*types.TypeName)
	for id, obj := range info.Defs {
		if tn, ok := obj.(*types.TypeName); ok && tn.Type().Underlying() == types.Typ[types.Invalid] {
			unknown[id] = tn
		}
	}
	if len(unknown) == 0 {
		return
	}
	var specs []*ast.TypeSpec
	for _, file := range pkg.Syntax {
		ast.Inspect(file, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok && unknown[ts.Name] != nil {
				specs = append(specs, ts)
			}
			return true
		})
	}
	// A declaration may use a type declared after it.
	for added := true; added; {
		added = false
		for _, ts := range specs {
			tn := unknown[ts.Name]
			if !f.types[tn] && f.fromC(info, ts.Type) {
				f.types[tn] = true
				added = true
			}
		}
	}
}

// fromC reports whether the type expression x refers to package C or to a
// type declared from C.
func (f *cgoFilter) fromC(info *types.Info, x ast.Expr) bool {
	found := false
	ast.Inspect(x, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			switch obj := info.Uses[id].(type) {
			case *types.PkgName:
				found = obj.Imported().Path() == "C"
			case *types.TypeName:
				found = f.types[obj]
			}
		}
		return !found
	})
	return found
}

// collect adds to found the types declared from C that t is made of.
func (f *cgoFilter) collect(t types.Type, found map[*types.TypeName]bool, seen map[types.Type]bool) {
	if t == nil || seen[t] {
		return
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Alias:
		if f.types[t.Obj()] {
			found[t.Obj()] = true
		}
		f.collect(t.Rhs(), found, seen)
	case *types.Named:
		if f.types[t.Obj()] {
			found[t.Obj()] = true
			return
		}
		for targ := range t.TypeArgs().Types() {
			f.collect(targ, found, seen)
		}
		f.collect(t.Underlying(), found, seen)
	case *types.Pointer:
		f.collect(t.Elem(), found, seen)
	case *types.Slice:
		f.collect(t.Elem(), found, seen)
	case *types.Array:
		f.collect(t.Elem(), found, seen)
	case *types.Chan:
		f.collect(t.Elem(), found, seen)
	case *types.Map:
		f.collect(t.Key(), found, seen)
		f.collect(t.Elem(), found, seen)
	case *types.Struct:
		for v := range t.Fields() {
			f.collect(v.Type(), found, seen)
		}
	case *types.Signature:
		f.collect(t.Params(), found, seen)
		f.collect(t.Results(), found, seen)
	case *types.Tuple:
		for v := range t.Variables() {
			f.collect(v.Type(), found, seen)
		}
	}
}

// enclosing returns the statement or declaration of file around pos, with
// what gives its values their types elsewhere: the function's results for
// a return, the switch's tag for a case.
func enclosing(file *ast.File, pos token.Pos) []ast.Node {
	path, _ := astutil.PathEnclosingInterval(file, pos, pos)
	for i, n := range path {
		switch n.(type) {
		case ast.Stmt, ast.Spec:
		default:
			continue
		}
		nodes := []ast.Node{n}
		for _, outer := range path[i+1:] {
			switch outer := outer.(type) {
			case *ast.FuncDecl:
				if _, ok := n.(*ast.ReturnStmt); ok {
					nodes = append(nodes, outer.Type)
				}
				return nodes
			case *ast.FuncLit:
				if _, ok := n.(*ast.ReturnStmt); ok {
					nodes = append(nodes, outer.Type)
				}
				return nodes
			case *ast.SwitchStmt:
				if _, ok := n.(*ast.CaseClause); ok && outer.Tag != nil {
					nodes = append(nodes, outer.Tag)
				}
				return nodes
			}
		}
		return nodes
	}
	return nil
}

// mentions reports whether msg names tn as go/types writes it in an error
// of pkg: bare in its own package, else qualified by package name or, where
// names clash, path.
func mentions(msg string, tn *types.TypeName, pkg *types.Package) bool {
	names := []string{tn.Name()}
	if tn.Pkg() != pkg {
		names = []string{tn.Pkg().Name() + "." + tn.Name(), tn.Pkg().Path() + "." + tn.Name()}
	}
	for _, name := range names {
		if regexp.MustCompile(`(^|[^\pL\pN_./])` + regexp.QuoteMeta(name) + `($|[^\pL\pN_])`).MatchString(msg) {
			return true
		}
	}
	return false
}

// fileOf returns the file of pkg that holds pos.
func fileOf(pkg *packages.Package, pos token.Pos) *ast.File {
	for _, f := range pkg.Syntax {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}
