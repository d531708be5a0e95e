package macbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// darwinkitFlag keeps darwinkit's argument-type arrays off the stack (progrium/darwinkit#286).
const darwinkitFlag = "-gcflags=github.com/progrium/darwinkit/...=-d=variablemakehash=n"

// buildScript is the one place that runs go build.
const buildScript = "scripts/build.sh"

// root is the repository, two folders up.
func root(t *testing.T) string {
	t.Helper()
	r, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goBuild finds a command that builds or installs a Go binary, in a Makefile, a shell script,
// a workflow or a Markdown code block: go, $(GO) or ${GO:-go}, then build or install.
var goBuild = regexp.MustCompile(`(^|[\s;&|("'` + "`" + `])(go|\$\(GO\)|"?\$\{GO(:-go)?\}"?) +(build|install)\b`)

// buildFiles are the files a build path can be written in.
func buildFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"Makefile", "README.md"}
	for _, pattern := range []string{"scripts/*.sh", ".github/workflows/*.yml", "docs/*.md", "bench/*.sh", ".ci/*"} {
		m, err := filepath.Glob(filepath.Join(root(t), pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			rel, _ := filepath.Rel(root(t), f)
			files = append(files, rel)
		}
	}
	return files
}

// TestEveryBuildGoesThroughTheScript fails when a Makefile target, script, workflow step or
// documented command builds the binary without scripts/build.sh, and so without the flags.
func TestEveryBuildGoesThroughTheScript(t *testing.T) {
	builds := 0
	for _, f := range buildFiles(t) {
		markdown, inCode := strings.HasSuffix(f, ".md"), false
		for i, line := range strings.Split(read(t, f), "\n") {
			if markdown && strings.HasPrefix(strings.TrimSpace(line), "```") {
				inCode = !inCode
				continue
			}
			// Prose may name go build; a command is in a code block.
			if markdown && !inCode {
				continue
			}
			if !goBuild.MatchString(line) || strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if f != buildScript {
				t.Errorf("%s:%d builds with go directly: %q; use %s, which carries the flags a Mac build needs", f, i+1, strings.TrimSpace(line), buildScript)
				continue
			}
			builds++
			if !strings.Contains(line, darwinkitFlag) {
				t.Errorf("%s:%d: %q lacks %s", f, i+1, strings.TrimSpace(line), darwinkitFlag)
			}
		}
	}
	if builds != 1 {
		t.Errorf("%s runs go build %d times, want once", buildScript, builds)
	}
	// The build targets and the bundle script call it.
	if mk := read(t, "Makefile"); !regexp.MustCompile(`(?m)^build:.*\n(\t.*\n)*\t.*scripts/build\.sh`).MatchString(mk) {
		t.Errorf("make build does not run %s", buildScript)
	}
	if !strings.Contains(read(t, "scripts/bundle-app.sh"), `scripts/build.sh"`) {
		t.Errorf("scripts/bundle-app.sh does not build with %s when given no binary", buildScript)
	}
}

var (
	deploymentTarget = regexp.MustCompile(`(?m)^export MACOSX_DEPLOYMENT_TARGET=(\d+\.\d+)$`)
	minimumSystem    = regexp.MustCompile(`<key>LSMinimumSystemVersion</key>\s*<string>([^<]*)</string>`)
)

// TestMinimumMacOS: the binary's deployment target and the bundle's minimum agree, at macOS 14
// or later, the oldest MLX's wheels support.
func TestMinimumMacOS(t *testing.T) {
	m := deploymentTarget.FindStringSubmatch(read(t, buildScript))
	if m == nil {
		t.Fatalf("%s does not export MACOSX_DEPLOYMENT_TARGET", buildScript)
	}
	p := minimumSystem.FindStringSubmatch(read(t, "Info.plist"))
	if p == nil {
		t.Fatal("Info.plist has no LSMinimumSystemVersion")
	}
	if m[1] != p[1] {
		t.Errorf("MACOSX_DEPLOYMENT_TARGET %s, but Info.plist's LSMinimumSystemVersion %s", m[1], p[1])
	}
	// make test's builds target the same macOS, read from the script rather than repeated.
	if !regexp.MustCompile(`(?m)^export MACOSX_DEPLOYMENT_TARGET := .*scripts/build\.sh`).MatchString(read(t, "Makefile")) {
		t.Errorf("the Makefile does not export MACOSX_DEPLOYMENT_TARGET from %s", buildScript)
	}
	if major, err := strconv.Atoi(strings.Split(p[1], ".")[0]); err != nil || major < 14 {
		t.Errorf("minimum macOS %s: MLX needs 14.0 or later", p[1])
	}
}

// TestWorkflowStartsTheApp: the macOS workflow runs the self-test of the binary and of the
// bundle on both runner versions, and uploads the zip that keeps the executable bit.
func TestWorkflowStartsTheApp(t *testing.T) {
	wf := read(t, ".github/workflows/macos.yml")
	for _, want := range []string{
		"macos-14", "macos-15",
		"make app",
		"bin/inferbench menubar --self-test",
		"bin/Inferbench.app/Contents/MacOS/inferbench menubar --self-test",
		"path: bin/Inferbench.zip",
	} {
		if !strings.Contains(wf, want) {
			t.Errorf("macos.yml lacks %q", want)
		}
	}
	if !strings.Contains(read(t, "scripts/bundle-app.sh"), "ditto -c -k --keepParent") {
		t.Errorf("scripts/bundle-app.sh does not zip the bundle with ditto -c -k --keepParent")
	}
}

// TestCompilerKnowsTheFlag: the Go in use still has the debug setting the flag turns off; an
// unknown one would fail every Mac build.
func TestCompilerKnowsTheFlag(t *testing.T) {
	out, err := exec.Command("go", "tool", "compile", "-d", "help").CombinedOutput()
	if err != nil && len(out) == 0 {
		t.Fatalf("go tool compile -d help: %v", err)
	}
	if !regexp.MustCompile(`(?m)^\s*variablemakehash\s`).Match(out) {
		t.Errorf("this Go has no variablemakehash debug setting:\n%s", out)
	}
}

// TestBundleRefusesABinaryWithoutTheFlag: scripts/bundle-app.sh reads the build settings Go
// records in the binary, and bundles only one built with the flag.
func TestBundleRefusesABinaryWithoutTheFlag(t *testing.T) {
	dir := t.TempDir()
	build := func(name string, flags ...string) string {
		out := filepath.Join(dir, name)
		args := append(append([]string{"build"}, flags...), "-o", out, "./testdata/hello")
		if b, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			t.Fatalf("go %v: %v\n%s", args, err, b)
		}
		return out
	}
	bundle := func(bin string) (string, error) {
		out := filepath.Join(dir, filepath.Base(bin)+"-out")
		b, err := exec.Command(filepath.Join(root(t), "scripts", "bundle-app.sh"), bin, out).CombinedOutput()
		return string(b), err
	}
	if out, err := bundle(build("bare")); err == nil || !strings.Contains(out, "not built by scripts/build.sh") {
		t.Errorf("bundled a binary built without the flag (err %v):\n%s", err, out)
	}
	flagged := build("flagged", darwinkitFlag)
	if out, err := bundle(flagged); err != nil {
		t.Fatalf("bundle of a binary built with the flag: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "flagged-out", "Inferbench.app", "Contents", "MacOS", "inferbench")); err != nil {
		t.Errorf("no bundle made: %v", err)
	}
}
