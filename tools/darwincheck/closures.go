package main

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/packages"
)

// darwinkit v0.5.0 implements every Objective-C method written in Go (a
// delegate, a class's method, a block) as a libffi closure whose CIF points
// at the argument-type array of objc/ffi.PrepCIF. Since Go 1.25 the compiler
// puts that array on the stack, so when AppKit calls the method the CIF reads
// reused stack and the app aborts in its first callback
// (progrium/darwinkit#286). Even on the heap only a uintptr refers to it, so
// the garbage collector may free it. The closure check finds every place our
// code reaches ffi.CreateClosure through darwinkit; such code must use
// purego's objc package, whose methods are plain callbacks, instead.
//
// The graph follows static calls and references to functions, and a call
// through an interface to each darwinkit method of that name whose receiver
// implements it. A func stored in a variable and called later is not
// followed: darwinkit v0.5.0 makes its closures in static calls, and
// testdata/closures checks the ways our code could reach them.

const (
	darwinkitPath = "github.com/progrium/darwinkit/"
	ffiPath       = darwinkitPath + "objc/ffi"
	objcPath      = darwinkitPath + "objc"
)

// sinkName is the function that makes a libffi closure.
const sinkName = "CreateClosure"

// converters turn a value handed to objc.Call (or a Go method's result) into
// an Objective-C one, and make a block only when that value is a Go func.
// Their edges are not followed; a call that hands darwinkit a func where it
// takes any value is reported at the call instead.
var converters = []string{"convertToObjcValue", "setGoValueToObjcPointer"}

// A closureGraph is the static references among darwinkit's functions, with
// the path from each one that reaches ffi.CreateClosure.
type closureGraph struct {
	// next is the function one step closer to the sink; the sink and the
	// functions that hand darwinkit a func map to nil.
	next map[*types.Func]*types.Func
	// why says, for the functions that map to nil, what makes the closure.
	why map[*types.Func]string
	// concrete are darwinkit's methods by name, for calls through interfaces.
	concrete map[string][]*types.Func
}

// newClosureGraph builds the graph from every darwinkit package among pkgs
// and their dependencies. It fails when darwinkit no longer has the
// functions the check is built on, so that a new darwinkit gets a review.
func newClosureGraph(pkgs []*packages.Package) (*closureGraph, error) {
	g := &closureGraph{next: map[*types.Func]*types.Func{}, why: map[*types.Func]string{}}
	callers := map[*types.Func][]*types.Func{} // reversed edges
	// A call through an interface may reach any method of that name: an interface method
	// has an edge to each of darwinkit's concrete methods of its name.
	concrete := map[string][]*types.Func{}
	abstract := map[*types.Func]bool{}
	found := map[string]bool{}
	var sinks []*types.Func
	packages.Visit(pkgs, nil, func(pkg *packages.Package) {
		if !strings.HasPrefix(pkg.PkgPath+"/", darwinkitPath) || pkg.TypesInfo == nil {
			return
		}
		for _, file := range pkg.Syntax {
			for _, decl := range file.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				fn, ok := pkg.TypesInfo.Defs[fd.Name].(*types.Func)
				if !ok {
					continue
				}
				if fd.Recv != nil {
					concrete[fn.Name()] = append(concrete[fn.Name()], fn)
				}
				switch {
				case pkg.PkgPath == ffiPath && fd.Recv == nil && fd.Name.Name == sinkName:
					found[sinkName] = true
					sinks = append(sinks, fn)
					g.why[fn] = ""
					continue
				case pkg.PkgPath == objcPath && fd.Recv == nil && isConverter(fd.Name.Name):
					found[fd.Name.Name] = true
					continue
				}
				forEachUse(pkg.TypesInfo, fd.Body, func(callee *types.Func, passesFunc bool) {
					if !strings.HasPrefix(pkgPath(callee)+"/", darwinkitPath) {
						return
					}
					if passesFunc {
						if _, ok := g.why[fn]; !ok {
							g.why[fn] = "a block made from a Go func passed to " + funcName(callee)
							sinks = append(sinks, fn)
						}
						return
					}
					callers[callee] = append(callers[callee], fn)
					if isInterfaceMethod(callee) {
						abstract[callee] = true
					}
				})
			}
		}
	})
	var missing []string
	for _, name := range append([]string{sinkName}, converters...) {
		if !found[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("closure check: darwinkit has no %s: the check is written for darwinkit v0.5.0; review it for this version", strings.Join(missing, ", "))
	}
	g.concrete = concrete
	for m := range abstract {
		for _, c := range g.implementations(m) {
			callers[c] = append(callers[c], m)
		}
	}
	// Breadth first from the sinks, so that each path is a shortest one.
	queue := sinks
	for _, s := range sinks {
		g.next[s] = nil
	}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		for _, c := range callers[f] {
			if _, done := g.next[c]; !done {
				g.next[c] = f
				queue = append(queue, c)
			}
		}
	}
	return g, nil
}

// path describes how f reaches the sink: "appkit.Application.SetDelegate →
// objc.WrapAsProtocol → … → a libffi closure". ok is false when it does not.
func (g *closureGraph) path(f *types.Func) (desc string, ok bool) {
	var steps []string
	if _, ok := g.next[f]; !ok && isInterfaceMethod(f) {
		// A call through an interface that darwinkit itself never makes.
		for _, c := range g.implementations(f) {
			if _, ok := g.next[c]; ok {
				steps, f = append(steps, funcName(f)), c
				break
			}
		}
	}
	if _, ok := g.next[f]; !ok {
		return "", false
	}
	for ; f != nil; f = g.next[f] {
		steps = append(steps, funcName(f))
		if why := g.why[f]; g.next[f] == nil && why != "" {
			steps = append(steps, why)
		}
	}
	return strings.Join(steps, " → "), true
}

// implementations are darwinkit's methods that a call of the interface method m may run:
// those of its name whose receiver implements the interface.
func (g *closureGraph) implementations(m *types.Func) []*types.Func {
	iface, _ := m.Signature().Recv().Type().Underlying().(*types.Interface)
	var impls []*types.Func
	for _, c := range g.concrete[m.Name()] {
		t := c.Signature().Recv().Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if iface == nil || types.Implements(t, iface) || types.Implements(types.NewPointer(t), iface) {
			impls = append(impls, c)
		}
	}
	return impls
}

// closures reports every use, in the module's packages, of a darwinkit
// function that makes a libffi closure, and every Go func the module hands
// darwinkit where it makes one into a block.
func (g *closureGraph) closures(pkg *packages.Package) []Diagnostic {
	var ds []Diagnostic
	for _, file := range pkg.Syntax {
		forEachUseAt(pkg.TypesInfo, file, func(at ast.Node, callee *types.Func, passesFunc bool) {
			if !strings.HasPrefix(pkgPath(callee)+"/", darwinkitPath) {
				return
			}
			p, reaches := g.path(callee)
			var msg string
			switch {
			case passesFunc && !reaches:
				msg = fmt.Sprintf("passing a Go func to %s makes a libffi block", funcName(callee))
			case !passesFunc && reaches:
				msg = fmt.Sprintf("%s makes a libffi closure (%s)", funcName(callee), p)
			default:
				return // a callee that makes closures itself is reported at its name
			}
			ds = append(ds, Diagnostic{Pkg: pkg.PkgPath, Pos: pkg.Fset.Position(at.Pos()),
				Msg: msg + ", which aborts the app when called with Go 1.25 or later (darwinkit#286): implement the method with purego's objc package"})
		})
	}
	return ds
}

// forEachUse calls f for every function that n refers to, statically: calls,
// method values and function values alike. passesFunc is set for a call that
// hands a Go func to a parameter of interface type, where darwinkit converts
// what it gets.
func forEachUse(info *types.Info, n ast.Node, f func(callee *types.Func, passesFunc bool)) {
	forEachUseAt(info, n, func(_ ast.Node, callee *types.Func, passesFunc bool) { f(callee, passesFunc) })
}

func forEachUseAt(info *types.Info, n ast.Node, f func(at ast.Node, callee *types.Func, passesFunc bool)) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if fn, ok := info.Uses[n].(*types.Func); ok {
				f(n, fn.Origin(), false)
			}
		case *ast.CallExpr:
			if fn := calledFunc(info, n.Fun); fn != nil && passesFuncToInterface(info, fn, n) {
				f(n, fn, true)
			}
		}
		return true
	})
}

// calledFunc returns the function a call expression names, or nil.
func calledFunc(info *types.Info, fun ast.Expr) *types.Func {
	switch x := ast.Unparen(fun).(type) {
	case *ast.Ident:
		fn, _ := info.Uses[x].(*types.Func)
		return originOf(fn)
	case *ast.SelectorExpr:
		fn, _ := info.Uses[x.Sel].(*types.Func)
		return originOf(fn)
	case *ast.IndexExpr: // an explicit instantiation: objc.Call[objc.Void]
		return calledFunc(info, x.X)
	case *ast.IndexListExpr:
		return calledFunc(info, x.X)
	}
	return nil
}

func originOf(fn *types.Func) *types.Func {
	if fn == nil {
		return nil
	}
	return fn.Origin()
}

// passesFuncToInterface reports whether call hands a value of func type to a
// parameter of fn whose type is an interface.
func passesFuncToInterface(info *types.Info, fn *types.Func, call *ast.CallExpr) bool {
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Params().Len() == 0 {
		return false
	}
	params := sig.Params()
	for i, arg := range call.Args {
		var pt types.Type
		switch {
		case i < params.Len()-1 || !sig.Variadic():
			if i >= params.Len() {
				return false
			}
			pt = params.At(i).Type()
		case call.Ellipsis.IsValid():
			continue // a slice passed on as it is
		default:
			pt = params.At(params.Len() - 1).Type().(*types.Slice).Elem()
		}
		if _, isParam := pt.(*types.TypeParam); isParam || !types.IsInterface(pt) {
			continue
		}
		if at := info.TypeOf(arg); at != nil {
			if _, isFunc := at.Underlying().(*types.Signature); isFunc {
				return true
			}
		}
	}
	return false
}

// isInterfaceMethod reports whether fn is a method of an interface, called dynamically.
func isInterfaceMethod(fn *types.Func) bool {
	recv := fn.Signature().Recv()
	return recv != nil && types.IsInterface(recv.Type())
}

func isConverter(name string) bool {
	for _, c := range converters {
		if c == name {
			return true
		}
	}
	return false
}

func pkgPath(fn *types.Func) string {
	if fn.Pkg() == nil {
		return ""
	}
	return fn.Pkg().Path()
}

// funcName is pkg.Func or pkg.Type.Method, with the package's name.
func funcName(fn *types.Func) string {
	name := fn.Name()
	if recv := fn.Signature().Recv(); recv != nil {
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := t.(*types.Named); ok {
			name = n.Obj().Name() + "." + name
		} else if _, ok := t.Underlying().(*types.Interface); ok {
			name = "(interface)." + name
		}
	}
	if fn.Pkg() != nil {
		name = fn.Pkg().Name() + "." + name
	}
	return name
}
