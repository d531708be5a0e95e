// Darwincheck type-checks Inferbench's packages as they build for macOS on
// Apple silicon (GOOS=darwin, GOARCH=arm64, cgo on), from any machine.
//
// Usage:
//
//	go run ./tools/darwincheck [-tags list] [-v] [packages]
//
// The packages default to ./... and include their tests. Files that only
// build for macOS, such as engine/machine_darwin.go, are left out of a Linux
// build and of go vet there, so a mistake in them would first show on a Mac.
//
// Where no C toolchain for darwin is at hand, cgo cannot run. The packages
// that import "C" are then checked from their unprocessed files, and the
// errors that follow from that alone are counted but not reported: the
// go command's reports that the C compiler is missing or cannot target
// darwin, the failed import of the pseudo-package C, and errors about Go
// types declared from C types, whose definitions go/types cannot see. Uses
// of C are thus left to a Mac build; everything else is checked, calls from
// our code into cgo packages such as github.com/mattn/go-sqlite3 included.
//
// Darwincheck prints each error as file:line:col: message and exits 1 if
// there is any, or if a pattern matches no package of the module.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	tags := flag.String("tags", "", "comma-separated build tags")
	verbose := flag.Bool("v", false, "list the darwin-only files checked")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: darwincheck [-tags list] [-v] [packages]\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	var tagList []string
	if *tags != "" {
		tagList = strings.Split(*tags, ",")
	}
	r, err := check(flag.Args(), tagList)
	if err != nil {
		fmt.Fprintf(os.Stderr, "darwincheck: %v\n", err)
		os.Exit(1)
	}

	wd, _ := os.Getwd()
	rel := func(file string) string {
		if r, err := filepath.Rel(wd, file); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return file
	}
	for _, d := range r.Errors {
		d.Pos.Filename = rel(d.Pos.Filename)
		fmt.Println(strings.ReplaceAll(d.String(), "\n", "\n\t"))
	}
	for _, d := range r.Closures {
		d.Pos.Filename = rel(d.Pos.Filename)
		fmt.Println(d.String())
	}
	fmt.Printf("darwin-only files checked: %d\n", len(r.DarwinFiles))
	if *verbose {
		for _, f := range r.DarwinFiles {
			fmt.Printf("\t%s\n", rel(f))
		}
	}
	fmt.Printf("darwin type-check: %d packages, %d errors (%d ignored cgo errors), %d libffi closures\n",
		r.Packages, len(r.Errors), len(r.Ignored), len(r.Closures))
	if len(r.Errors) > 0 || len(r.Closures) > 0 {
		os.Exit(1)
	}
}
