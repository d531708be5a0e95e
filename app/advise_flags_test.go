package app

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestAdviseBadFlags(t *testing.T) {
	env := testEnv(t, false)
	db := filepath.Join(t.TempDir(), "runs.db")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"fit", "--format", "csv"}, "--format"},
		{[]string{"fit", "--threshold-ms", "-5"}, "--threshold-ms"},
		{[]string{"fit", "extra"}, "unexpected argument"},
		{[]string{"fit", "--nope"}, "not defined"},
		{[]string{"predict", "--model", "gpt5"}, `unknown model "gpt5"`},
		{[]string{"predict", "--precision", "int7"}, `unknown precision "int7"`},
		{[]string{"predict", "--context", "0"}, "--context must be at least 1"},
		{[]string{"predict", "--model", "gpt2", "--context", "1000", "--generate", "32"}, "beyond gpt2's 1024 positions"},
		{[]string{"recommend", "--memory", "16XB"}, "--memory"},
		{[]string{"recommend", "--context", "0"}, "at least 1"},
		{[]string{"recommend", "--model", "gpt5"}, `--model "gpt5"`},
		{[]string{"recommend", "--precision", "int7"}, `unknown precision "int7"`},
		{[]string{"recommend", "--max-ms-per-token", "-1"}, "--max-ms-per-token"},
		{[]string{"charts"}, "--out is required"},
	} {
		r := cli(t, env, append(tt.args, "--db", db)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}
