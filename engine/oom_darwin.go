package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// markOOM notes nothing on macOS: jetsam writes a report per event, found by its time.
func markOOM() oomMark { return oomMark{started: time.Now()} }

// confirmOOM looks for a jetsam report written since the worker started that names pid.
// Reports land a moment after the kill, so it looks for up to a second.
func confirmOOM(m oomMark, pid int) (string, bool) {
	home, _ := os.UserHomeDir()
	dirs := []string{"/Library/Logs/DiagnosticReports", filepath.Join(home, "Library/Logs/DiagnosticReports")}
	re := regexp.MustCompile(`"pid"\s*:\s*` + fmt.Sprint(pid) + `\b`)
	since := m.started.Add(-time.Second)
	for try := 0; try < 5; try++ {
		for _, d := range dirs {
			entries, _ := os.ReadDir(d)
			for _, e := range entries {
				if !strings.HasPrefix(e.Name(), "JetsamEvent") {
					continue
				}
				info, err := e.Info()
				if err != nil || info.ModTime().Before(since) {
					continue
				}
				b, err := os.ReadFile(filepath.Join(d, e.Name()))
				if err == nil && re.Match(b) {
					return "jetsam report " + filepath.Join(d, e.Name()), true
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return "", false
}
