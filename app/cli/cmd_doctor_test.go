package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/app/cli/command"
)

func TestDoctor(t *testing.T) {
	env := testEnv(t, true)
	db := filepath.Join(t.TempDir(), "d.db")
	r := cli(t, env, "doctor", "--db", db)
	if r.code != 0 {
		t.Fatalf("doctor with a working environment: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mustContain(t, "doctor", r.stdout, "ok       worker", "ok       mlx ", "ok       database", db, "(0 runs)")
	lines := strings.Split(r.stdout, "\n")
	for i, l := range lines {
		if l != "" && slices.Contains(lines[i+1:], l) {
			t.Errorf("doctor prints %q twice:\n%s", l, r.stdout)
		}
	}

	r = cli(t, env, "doctor", "--db", db, "--python", "/no/such/python")
	if r.code != command.ExitFailure {
		t.Fatalf("doctor with a missing interpreter: exit %d", r.code)
	}
	mustContain(t, "doctor", r.stdout, "PROBLEM  python", "fix: inferbench setup")
}

func TestHelpAndUnknownCommand(t *testing.T) {
	env := testEnv(t, false)
	r := cli(t, env, "help")
	mustContain(t, "help", r.stdout, "run ", "setup", "doctor", "inferbench run --model gpt2")
	if r := cli(t, env, "frobnicate"); r.code != command.ExitUsage || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: exit %d, %q", r.code, r.stderr)
	}
	if r := cli(t, env, "run", "-h"); r.code != 0 || !strings.Contains(r.stderr, "Exit status") {
		t.Fatalf("run -h: exit %d, %q", r.code, r.stderr)
	}
}
