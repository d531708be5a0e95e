package read_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
)

func TestImportTwice(t *testing.T) {
	env := clitest.Env(t, false)
	dir := t.TempDir()
	other, fleet := filepath.Join(dir, "other.db"), filepath.Join(dir, "fleet.db")
	storeRuns(t, other, "0.32.4", 1, map[int]float64{128: 100, 512: 90})
	before := clitest.FileHash(t, other)
	r := clitest.Run(t, env, "import", other, "--db", fleet)
	if r.Code != 0 || !strings.Contains(r.Stdout, "2 runs added, 0 already stored") {
		t.Fatalf("first import: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = clitest.Run(t, env, "import", "--db", fleet, other)
	if r.Code != 0 || !strings.Contains(r.Stdout, "0 runs added, 2 already stored") {
		t.Fatalf("second import: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if n := len(clitest.StoredRuns(t, fleet)); n != 2 {
		t.Errorf("%d runs after importing twice, want 2", n)
	}
	if clitest.FileHash(t, other) != before {
		t.Error("import wrote to the file it imported from")
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--db", fleet}, command.ExitUsage, "needs a database"},
		{[]string{"--db", fleet, fleet}, command.ExitUsage, "being imported into"},
		{[]string{"--db", fleet, filepath.Join(dir, "missing.db")}, command.ExitUsage, "no such file"},
	} {
		r := clitest.Run(t, env, append([]string{"import"}, tt.args...)...)
		if r.Code != tt.code || !strings.Contains(r.Stderr, tt.want) {
			t.Errorf("import %v: exit %d, want %d with %q: %s", tt.args, r.Code, tt.code, tt.want, r.Stderr)
		}
	}
	if n := len(clitest.StoredRuns(t, fleet)); n != 2 {
		t.Errorf("%d runs after refused imports, want 2", n)
	}
}
