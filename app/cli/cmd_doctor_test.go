package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
)

func TestDoctor(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "d.db")
	r := clitest.Run(t, env, "doctor", "--db", db)
	if r.Code != 0 {
		t.Fatalf("doctor with a working environment: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	clitest.MustContain(t, "doctor", r.Stdout, "ok       worker", "ok       mlx ", "ok       database", db, "(0 runs)")
	lines := strings.Split(r.Stdout, "\n")
	for i, l := range lines {
		if l != "" && slices.Contains(lines[i+1:], l) {
			t.Errorf("doctor prints %q twice:\n%s", l, r.Stdout)
		}
	}

	r = clitest.Run(t, env, "doctor", "--db", db, "--python", "/no/such/python")
	if r.Code != command.ExitFailure {
		t.Fatalf("doctor with a missing interpreter: exit %d", r.Code)
	}
	clitest.MustContain(t, "doctor", r.Stdout, "PROBLEM  python", "fix: inferbench setup")
}

func TestHelpAndUnknownCommand(t *testing.T) {
	env := clitest.Env(t, false)
	r := clitest.Run(t, env, "help")
	clitest.MustContain(t, "help", r.Stdout, "run ", "setup", "doctor", "inferbench run --model gpt2")
	if r := clitest.Run(t, env, "frobnicate"); r.Code != command.ExitUsage || !strings.Contains(r.Stderr, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: exit %d, %q", r.Code, r.Stderr)
	}
	if r := clitest.Run(t, env, "run", "-h"); r.Code != 0 || !strings.Contains(r.Stderr, "Exit status") {
		t.Fatalf("run -h: exit %d, %q", r.Code, r.Stderr)
	}
}
