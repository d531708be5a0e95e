// Package macbuild holds the checks, run on any machine by go test, that every way of building
// Inferbench for a Mac makes a binary that starts: each build goes through scripts/build.sh,
// which carries the compiler flag and the deployment target a Mac build needs, Info.plist
// agrees with that target, and the macOS workflow starts the app it built. docs/macos.md
// explains why; tools/darwincheck checks the code itself.
package macbuild
