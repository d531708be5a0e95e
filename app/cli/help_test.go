package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/app/cli/read"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/app/report"
	"github.com/inferbench/inferbench/storage"
)

// flagUsage returns the usage text of one flag in a -h output ("" when the command lacks it).
func flagUsage(help, name string) string {
	m := regexp.MustCompile(`(?m)^  -` + regexp.QuoteMeta(name) + `\b.*\n((?:    \t.*\n?)*)`).FindStringSubmatch(help)
	if m == nil {
		return ""
	}
	return m[0]
}

// Every command's -h has a description, examples and its exit statuses, and each --status,
// --format and --precision flag names every choice of the list that checks it.
func TestHelpIsComplete(t *testing.T) {
	env := clitest.Env(t, false)
	cat := clitest.Catalog(t)
	formats := map[string][]string{"run": report.RunFormats(), "runs": report.RunFormats(), "export": read.ExportFormats,
		"status": command.TableOrJSON, "fit": command.TableOrJSON, "predict": command.TableOrJSON, "recommend": command.TableOrJSON}
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			r := clitest.Run(t, env, c.name, "-h")
			if r.Code != command.ExitOK {
				t.Fatalf("exit %d", r.Code)
			}
			h := r.Stderr
			lines := strings.Split(h, "\n")
			if len(lines) < 3 || !strings.HasPrefix(lines[0], "Usage: inferbench "+c.name) || len(strings.TrimSpace(lines[2])) < 20 {
				t.Errorf("no usage line and description paragraph:\n%s", h)
			}
			for _, want := range []string{"\nExamples:\n  inferbench " + c.name, "\nExit status: 0 ", fmt.Sprintf(", %d an internal error", command.ExitInternal), fmt.Sprintf("%d interrupted", command.ExitInterrupted)} {
				if !strings.Contains(h, want) {
					t.Errorf("help lacks %q:\n%s", want, h)
				}
			}
			if strings.Contains(h, "Usage of ") {
				t.Errorf("bare Go usage:\n%s", h)
			}
			choices := map[string][]string{"status": storage.Statuses(), "precision": cat.PrecisionNames()}
			if f, ok := formats[c.name]; ok {
				choices["format"] = f
			}
			for flag, list := range choices {
				u := flagUsage(h, flag)
				if u == "" {
					if flag == "format" {
						t.Errorf("no --format flag, though %s prints %v", c.name, list)
					}
					continue
				}
				for _, choice := range list {
					if !regexp.MustCompile(`\b` + regexp.QuoteMeta(choice) + `\b`).MatchString(u) {
						t.Errorf("--%s help does not name %q: %s", flag, choice, u)
					}
				}
			}
		})
	}
}

// Stored-run filters refuse what no run can have, and say when nothing matches.
func TestRunsFilters(t *testing.T) {
	env, db, _, n := apptest.Seeded(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no match", []string{"--status", "oom"}, command.ExitOK, "match --status oom"},
		{"bogus status", []string{"--status", "bogus"}, command.ExitUsage, "ok, oom, crash, timeout, error, interrupted, skipped"},
		{"bogus format", []string{"--format", "xml"}, command.ExitUsage, "table, json, csv or md"},
		{"summary", nil, command.ExitOK, "MS/TOKEN P50"},
	}
	for _, tt := range tests {
		r := clitest.Run(t, env, append([]string{"runs", "--db", db}, tt.args...)...)
		if r.Code != tt.code || !strings.Contains(r.Stdout+r.Stderr, tt.want) {
			t.Errorf("%s: exit %d, output %q; want exit %d with %q", tt.name, r.Code, r.Stdout+r.Stderr, tt.code, tt.want)
		}
	}
	if n == 0 {
		t.Fatal("seeded nothing")
	}
}
