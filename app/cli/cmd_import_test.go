package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/app/cli/command"
)

func TestImportTwice(t *testing.T) {
	env := testEnv(t, false)
	dir := t.TempDir()
	other, fleet := filepath.Join(dir, "other.db"), filepath.Join(dir, "fleet.db")
	storeRuns(t, other, "0.32.4", 1, map[int]float64{128: 100, 512: 90})
	before := fileHash(t, other)
	r := cli(t, env, "import", other, "--db", fleet)
	if r.code != 0 || !strings.Contains(r.stdout, "2 runs added, 0 already stored") {
		t.Fatalf("first import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = cli(t, env, "import", "--db", fleet, other)
	if r.code != 0 || !strings.Contains(r.stdout, "0 runs added, 2 already stored") {
		t.Fatalf("second import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := len(storedRuns(t, fleet)); n != 2 {
		t.Errorf("%d runs after importing twice, want 2", n)
	}
	if fileHash(t, other) != before {
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
		r := cli(t, env, append([]string{"import"}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("import %v: exit %d, want %d with %q: %s", tt.args, r.code, tt.code, tt.want, r.stderr)
		}
	}
	if n := len(storedRuns(t, fleet)); n != 2 {
		t.Errorf("%d runs after refused imports, want 2", n)
	}
}
