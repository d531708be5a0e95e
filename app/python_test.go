package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/internal/apptest"
)

func TestFindPython(t *testing.T) {
	root := t.TempDir()
	mk := func(rel string) string {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o755)
		return p
	}
	flagPy := mk("flag/python")
	envPy := mk("env/python")
	projectPy := mk("checkout/.venv/bin/python")
	appPy := mk("home/.local/share/inferbench/venv/bin/python")
	exe := filepath.Join(root, "checkout", "bin", "inferbench")

	tests := []struct {
		name, flag, envVar, exe string
		want, wantErr           string
	}{
		{"flag wins", flagPy, envPy, exe, flagPy, ""},
		{"then INFERBENCH_PYTHON", "", envPy, exe, envPy, ""},
		{"then the checkout's .venv beside bin/", "", "", exe, projectPy, ""},
		{"then the environment setup made", "", "", "/usr/local/bin/inferbench", appPy, ""},
		{"a missing explicit choice is an error", filepath.Join(root, "nope"), envPy, exe, "", "--python points at"},
		{"a missing variable is an error", "", filepath.Join(root, "nope"), exe, "", "INFERBENCH_PYTHON points at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := app.Env{Getenv: func(k string) string {
				if k == "INFERBENCH_PYTHON" {
					return tt.envVar
				}
				return ""
			}, Home: filepath.Join(root, "home"), Exe: tt.exe, GOOS: "linux"}
			got, err := env.FindPython(tt.flag)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || filepath.Clean(got) != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	none := app.Env{Getenv: func(string) string { return "" }, Home: t.TempDir(), GOOS: "linux"}
	if _, err := none.FindPython(""); err == nil || !strings.Contains(err.Error(), "inferbench setup") {
		t.Fatalf("no interpreter anywhere: err = %v, want advice to run inferbench setup", err)
	}
}

func TestDataDirs(t *testing.T) {
	tests := []struct {
		goos, xdg, wantData string
	}{
		{"darwin", "/x", "/h/Library/Application Support/Inferbench"},
		{"linux", "/x", "/x/inferbench"},
		{"linux", "", "/h/.local/share/inferbench"},
	}
	for _, tt := range tests {
		env := app.Env{GOOS: tt.goos, Home: "/h", Getenv: func(k string) string {
			if k == "XDG_DATA_HOME" {
				return tt.xdg
			}
			return ""
		}}
		if got := env.DataDir(); got != tt.wantData {
			t.Errorf("%s xdg=%q: DataDir = %q, want %q", tt.goos, tt.xdg, got, tt.wantData)
		}
	}
}

func TestUnpackWorker(t *testing.T) {
	tree := fstest.MapFS{
		"inferbench_worker/__main__.py": {Data: []byte("print('v1')\n")},
		"requirements-linux.txt":        {Data: []byte("mlx[cpu]==0.32.4\n")},
	}
	cache := t.TempDir()
	dir1, err := app.UnpackWorker(tree, cache)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir1, "inferbench_worker", "__main__.py"))
	if err != nil || string(b) != "print('v1')\n" {
		t.Fatalf("unpacked file: %q, %v", b, err)
	}
	again, err := app.UnpackWorker(tree, cache)
	if err != nil || again != dir1 {
		t.Fatalf("second unpack: %q, %v; want the same folder %q", again, err, dir1)
	}
	tree["inferbench_worker/__main__.py"] = &fstest.MapFile{Data: []byte("print('v2')\n")}
	dir2, err := app.UnpackWorker(tree, cache)
	if err != nil || dir2 == dir1 {
		t.Fatalf("changed worker unpacked to %q (%v); want a new folder beside %q", dir2, err, dir1)
	}
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".worker-") {
			t.Errorf("temporary folder %s left behind", e.Name())
		}
	}
}

func testEnv(t *testing.T, needWorker bool) app.Env { return apptest.Env(t, needWorker) }
