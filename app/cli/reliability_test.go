package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/storage"
)

// fakePython writes a script that stands in for the interpreter, for a worker that misbehaves
// in ways the real one does not.
func fakePython(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "python")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

const fakeHello = `{"type":"hello","protocol":2,"pid":1,"python":"3","mlx":"0.32.4","mlx_lm":"0.32.2","backend":"cpu","device":"fake","memory_bytes":1,"recommended_working_set_bytes":null}`

// exitOf is the exit status of a finished inferbench process.
// waitHolding waits until process pid holds the measuring lock of db: it writes its pid into
// the database's lock file once it holds both locks.
func waitHolding(t *testing.T, db string, cmd *exec.Cmd, out fmt.Stringer) {
	t.Helper()
	want := strconv.Itoa(cmd.Process.Pid)
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(db + ".lock"); err == nil && strings.TrimSpace(string(b)) == want {
			return
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("inferbench %s never held the lock:\n%s", want, out)
}

// TestTwoSweepsOneDatabase: of two sweeps on one database, the second exits 1 naming the first
// while the first measures; every configuration is stored once. With --wait, the second waits,
// then finds everything measured.
func TestTwoSweepsOneDatabase(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "runs.db")
	grid := []string{"sweep", "--db", db, "--model", "tiny-gpt2", "--precision", "fp32", "--context", "8,16,32",
		"--generate", "2", "--repeats", "1"}
	a, outA := clitest.StartInferbench(t, env, grid...)
	waitHolding(t, db, a, outA)
	b, outB := clitest.StartInferbench(t, env, grid...)
	codeB := clitest.ExitOf(b.Wait())
	codeA := clitest.ExitOf(a.Wait())
	if codeA != 0 || codeB != command.ExitFailure {
		t.Fatalf("exits %d and %d, want 0 and %d\nfirst:\n%s\nsecond:\n%s", codeA, codeB, command.ExitFailure, outA, outB)
	}
	clitest.MustContain(t, "the refused sweep", outB.String(), fmt.Sprintf("another inferbench (pid %d) is measuring; wait for it or stop it", a.Process.Pid))
	clitest.MustContain(t, "the sweep that ran", outA.String(), "3 measured")
	clitest.CheckComplete(t, db, 3, 1)

	// --wait: the second waits for the first, then resumes with nothing left to do.
	a, outA = clitest.StartInferbench(t, env, append(grid, "--force")...)
	waitHolding(t, db, a, outA)
	b, outB = clitest.StartInferbench(t, env, append(grid, "--wait")...)
	if code := clitest.ExitOf(a.Wait()); code != 0 {
		t.Fatalf("forced sweep: exit %d:\n%s", code, outA)
	}
	if code := clitest.ExitOf(b.Wait()); code != 0 {
		t.Fatalf("waiting sweep: exit %d:\n%s", code, outB)
	}
	clitest.MustContain(t, "the waiting sweep", outB.String(), "0 measured; 3 already measured")
	if n := len(clitest.StoredRuns(t, db)); n != 6 {
		t.Fatalf("%d runs stored, want 6 (3, then 3 forced)", n)
	}
}

// TestReadOnlyCommandsDuringAMeasurement: runs and export never wait for the measuring lock.
func TestReadOnlyCommandsDuringAMeasurement(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "runs.db")
	if r := clitest.Run(t, env, "run", "--model", "tiny-gpt2", "--context", "8", "--generate", "2", "--repeats", "1", "--db", db); r.Code != 0 {
		t.Fatalf("seed run: %s", r.Stderr)
	}
	release, err := app.LockMeasuring(t.Context(), env, db, false)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for _, args := range [][]string{{"runs"}, {"export", "--format", "csv"}} {
		if r := clitest.Run(t, env, append(args, "--db", db)...); r.Code != 0 {
			t.Errorf("%s while measuring: exit %d: %s", args[0], r.Code, r.Stderr)
		}
	}
	r := clitest.Run(t, env, "run", "--model", "tiny-gpt2", "--context", "8", "--generate", "2", "--repeats", "1", "--db", db)
	if r.Code != command.ExitFailure || !strings.Contains(r.Stderr, fmt.Sprintf("another inferbench (pid %d) is measuring", os.Getpid())) {
		t.Fatalf("run while another measures: exit %d: %s", r.Code, r.Stderr)
	}
}

// TestWorkerDiesWithInferbench: kill -9 of inferbench mid-run takes its worker with it.
func TestWorkerDiesWithInferbench(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "runs.db")
	cmd, out := clitest.StartInferbench(t, env, "run", "--db", db, "--model", "tiny-llama", "--precision", "fp32",
		"--context", "256", "--generate", "200", "--batch", "8", "--repeats", "1000")
	deadline := time.Now().Add(3 * time.Minute)
	for apptest.WorkerOf(t, cmd.Process.Pid) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("inferbench never started a worker:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// A generous bound: the test waits for the worker's end, which the kernel (Linux) or the
	// worker's own watch (macOS) brings about; docs/reliability.md gives the measured time.
	apptest.WaitNoWorkers(t, env.Getenv("XDG_CACHE_HOME"), time.Minute)
	if n := len(clitest.StoredRuns(t, db)); n != 0 {
		t.Fatalf("%d runs stored by a killed run", n)
	}
}

// TestSweepResumesAfterWorkerKill9: a worker killed from outside mid-sweep is stored as killed,
// rules nothing out, and the resumed sweep measures every configuration: all end ok, and no
// skipped row is left.
func TestSweepResumesAfterWorkerKill9(t *testing.T) {
	env := clitest.Env(t, true)
	db := filepath.Join(t.TempDir(), "sweep.db")
	cmd, out := clitest.StartInferbench(t, env, clitest.SlowGrid(db)...)
	clitest.WaitForRuns(t, db, 1, out)
	pid := apptest.WorkerOf(t, cmd.Process.Pid)
	if pid == 0 {
		t.Fatalf("no worker mid-sweep:\n%s", out)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if code := clitest.ExitOf(cmd.Wait()); code != 0 {
		t.Fatalf("sweep: exit %d:\n%s", code, out)
	}
	for _, r := range clitest.StoredRuns(t, db) {
		if r.Status == storage.StatusOOM || r.Status == storage.StatusSkipped {
			t.Fatalf("a kill from outside was stored as %s (%s):\n%s", r.Status, r.Error, out)
		}
	}
	r := clitest.Run(t, env, clitest.SlowGrid(db)...)
	if r.Code != 0 {
		t.Fatalf("resume: exit %d: %s", r.Code, r.Stderr)
	}
	latest := map[string]string{}
	for _, run := range clitest.StoredRuns(t, db) { // newest first
		if run.Status == storage.StatusSkipped {
			t.Errorf("skipped row left behind: %s", run.Error)
		}
		k := fmt.Sprintf("%s %s %d %d", run.Model, run.Precision, run.Context, run.Batch)
		if _, seen := latest[k]; !seen {
			latest[k] = run.Status
		}
	}
	if len(latest) != 8 {
		t.Fatalf("%d configurations stored, want 8: %v", len(latest), latest)
	}
	for k, st := range latest {
		if st != storage.StatusOK {
			t.Errorf("%s ends %s, want ok", k, st)
		}
	}
}

// TestWorkerThatCannotStart: run and sweep store nothing and say how to set MLX up.
func TestWorkerThatCannotStart(t *testing.T) {
	env := clitest.Env(t, false)
	py := fakePython(t, `echo "ModuleNotFoundError: No module named 'mlx'" >&2; exit 1`)
	for _, cmd := range [][]string{
		{"run", "--model", "tiny-gpt2", "--context", "8", "--generate", "2"},
		{"sweep", "--model", "tiny-gpt2", "--context", "8", "--generate", "2"},
	} {
		t.Run(cmd[0], func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "runs.db")
			r := clitest.Run(t, env, append(cmd, "--db", db, "--python", py)...)
			if r.Code != command.ExitFailure {
				t.Fatalf("exit %d, want %d: %s", r.Code, command.ExitFailure, r.Stderr)
			}
			clitest.MustContain(t, "stderr", r.Stderr, "failed to start", "inferbench setup")
			if _, err := os.Stat(db); err == nil {
				if n := len(clitest.StoredRuns(t, db)); n != 0 {
					t.Fatalf("%d runs stored for a worker that never started", n)
				}
			}
		})
	}
}

// TestWorkerEndlessLine: a worker whose line never ends is a protocol error: exit 1, the worker
// stopped, nothing stored.
func TestWorkerEndlessLine(t *testing.T) {
	env := clitest.Env(t, false)
	py := fakePython(t, `echo '`+fakeHello+`'; read line; printf '{"type":"loaded","note":"'; exec tr '\\0' a < /dev/zero`)
	db := filepath.Join(t.TempDir(), "runs.db")
	r := clitest.Run(t, env, "run", "--model", "tiny-gpt2", "--context", "8", "--generate", "2", "--db", db, "--python", py)
	if r.Code != command.ExitFailure {
		t.Fatalf("exit %d, want %d: %s", r.Code, command.ExitFailure, r.Stderr)
	}
	clitest.MustContain(t, "stderr", r.Stderr, "broke protocol", "a line longer than 1048576 bytes")
	if n := len(clitest.StoredRuns(t, db)); n != 0 {
		t.Fatalf("%d runs stored for a broken worker", n)
	}
	apptest.WaitNoWorkers(t, env.Getenv("XDG_CACHE_HOME"), time.Minute)
}

// TestAgentOnceWorkerCannotStart: agent --once gives up at once with the cause, instead of
// retrying for ever.
func TestAgentOnceWorkerCannotStart(t *testing.T) {
	env := clitest.Env(t, false)
	py := fakePython(t, `echo "ModuleNotFoundError: No module named 'mlx'" >&2; exit 1`)
	db := filepath.Join(t.TempDir(), "runs.db")
	// The bound only keeps a broken build from hanging the suite: it ends as exit 130.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errb clitest.SyncBuffer
	args := append([]string{"agent", "--once", "--model", "tiny-gpt2", "--context", "8", "--generate", "2", "--db", db, "--python", py}, clitest.AnyConditions...)
	code := Main(ctx, env, args, &out, &errb)
	if code != command.ExitFailure {
		t.Fatalf("exit %d, want %d: %s", code, command.ExitFailure, errb.String())
	}
	clitest.MustContain(t, "stderr", errb.String(), "failed to start", "inferbench setup")
	if n := len(clitest.StoredRuns(t, db)); n != 0 {
		t.Fatalf("%d runs stored", n)
	}
}

// TestDatabaseThatIsNotAFile: a FIFO or a device as --db is refused at once (exit 2), and
// nothing is created beside it.
func TestDatabaseThatIsNotAFile(t *testing.T) {
	env := clitest.Env(t, false)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{fifo, os.DevNull} {
		for _, args := range [][]string{{"run", "--model", "tiny-gpt2", "--context", "8", "--generate", "2"}, {"runs"}, {"export"}} {
			// The bound only turns a hang into a failure (exit 130).
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			var out, errb clitest.SyncBuffer
			code := Main(ctx, env, append(args, "--db", db), &out, &errb)
			cancel()
			if code != command.ExitUsage || !strings.Contains(errb.String(), "not a database file") {
				t.Errorf("%s --db %s: exit %d, want %d: %s", args[0], db, code, command.ExitUsage, errb.String())
			}
			for _, extra := range []string{"-journal", "-wal", ".lock"} {
				if _, err := os.Stat(db + extra); err == nil {
					t.Errorf("%s --db %s created %s", args[0], db, db+extra)
				}
			}
		}
	}
}

// TestReadingCreatesNoDatabase: runs and export of a path with nothing there print nothing
// stored and create no file.
func TestReadingCreatesNoDatabase(t *testing.T) {
	env := clitest.Env(t, false)
	db := filepath.Join(t.TempDir(), "nothing", "runs.db")
	for _, args := range [][]string{{"runs"}, {"export", "--format", "csv"}, {"status"}} {
		if r := clitest.Run(t, env, append(args, "--db", db)...); r.Code != 0 {
			t.Errorf("%s: exit %d: %s", args[0], r.Code, r.Stderr)
		}
	}
	if _, err := os.Stat(filepath.Dir(db)); err == nil {
		t.Fatal("a read-only command created the database's folder")
	}
}

// TestExitCodes: a crash is not reported as bad input, and an unusable --db is bad input
// whatever is wrong with it.
func TestExitCodes(t *testing.T) {
	// An environment without Getenv is a programming error: the command panics on it.
	var out, errb clitest.SyncBuffer
	if code := Main(context.Background(), app.Env{}, []string{"runs"}, &out, &errb); code != command.ExitInternal {
		t.Errorf("a panic: exit %d, want %d: %s", code, command.ExitInternal, errb.String())
	}
	clitest.MustContain(t, "a panic's report", errb.String(), "internal error", "goroutine")

	env := clitest.Env(t, false)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, []byte(strings.Repeat("not a database\n", 100)), 0o644)
	for _, db := range []string{dir, garbage} {
		if r := clitest.Run(t, env, "runs", "--db", db); r.Code != command.ExitUsage {
			t.Errorf("runs --db %s: exit %d, want %d: %s", db, r.Code, command.ExitUsage, r.Stderr)
		}
	}
}

// TestExportOutKinds: --out replaces a regular file, follows a symlink to its target, and
// writes a device or FIFO in place rather than renaming a file over it.
func TestExportOutKinds(t *testing.T) {
	env, db, _, n := apptest.Seeded(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "target.csv")
	os.WriteFile(target, []byte("old\n"), 0o644)
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink("target.csv", link); err != nil {
		t.Fatal(err)
	}
	if r := clitest.Run(t, env, "export", "--db", db, "--format", "csv", "--out", link); r.Code != 0 {
		t.Fatalf("export to a symlink: exit %d: %s", r.Code, r.Stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced by a file: %v", err)
	}
	if b, _ := os.ReadFile(target); strings.Count(string(b), "\n") != n+1 {
		t.Fatalf("the target holds %d lines, want %d", strings.Count(string(b), "\n"), n+1)
	}

	if r := clitest.Run(t, env, "export", "--db", db, "--format", "csv", "--out", os.DevNull); r.Code != 0 {
		t.Fatalf("export to %s: exit %d: %s", os.DevNull, r.Code, r.Stderr)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("%s is no longer a device: %v", os.DevNull, err)
	}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	read := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		read <- string(b)
	}()
	if r := clitest.Run(t, env, "export", "--db", db, "--format", "csv", "--out", fifo); r.Code != 0 {
		t.Fatalf("export to a FIFO: exit %d: %s", r.Code, r.Stderr)
	}
	if got := <-read; strings.Count(got, "\n") != n+1 {
		t.Fatalf("the FIFO's reader got %d lines, want %d", strings.Count(got, "\n"), n+1)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatal("the FIFO was replaced by a file")
	}
}

// TestCSVIsSpreadsheetSafeEverywhere: worker text that a spreadsheet would run as a formula is
// escaped in every command's CSV, not only export's.
func TestCSVIsSpreadsheetSafeEverywhere(t *testing.T) {
	env := clitest.Env(t, false)
	db := filepath.Join(t.TempDir(), "runs.db")
	s := apptest.NewSynthetic(t, db)
	run := s.Run("gpt2", "fp16", 128, 1)
	run.Device = `=HYPERLINK("http://example.com","x")`
	s.Insert(run)
	for _, args := range [][]string{{"runs", "--format", "csv"}, {"export", "--format", "csv"}} {
		r := clitest.Run(t, env, append(args, "--db", db)...)
		if r.Code != 0 {
			t.Fatalf("%s: exit %d: %s", args[0], r.Code, r.Stderr)
		}
		rows, err := csv.NewReader(strings.NewReader(r.Stdout)).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("%s: %v, %d rows", args[0], err, len(rows))
		}
		found := false
		for _, c := range rows[1] {
			if strings.Contains(c, "HYPERLINK") {
				found = true
				if !strings.HasPrefix(c, "'=") {
					t.Errorf("%s: cell %q is not escaped", args[0], c)
				}
			}
		}
		if !found {
			t.Errorf("%s: the device is not in the CSV: %v", args[0], rows)
		}
	}
}

// TestWorkerStartHonoursTimeout: --timeout bounds the wait for the worker's hello too.
func TestWorkerStartHonoursTimeout(t *testing.T) {
	env := clitest.Env(t, false)
	py := fakePython(t, "exec sleep 600")
	dir := t.TempDir()
	file := filepath.Join(dir, "sweep.json")
	if err := os.WriteFile(file, []byte(`{"models": ["tiny-gpt2"], "contexts": [8], "generate": [2], "timeout": "1s"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	grid := []string{"--model", "tiny-gpt2", "--context", "8", "--generate", "2", "--timeout", "1s"}
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"run", append([]string{"run"}, grid...)},
		{"sweep", append([]string{"sweep"}, grid...)},
		{"sweep file", []string{"sweep", "--file", file}},
		{"agent", append(append([]string{"agent", "--once"}, grid...), clitest.AnyConditions...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "runs.db")
			r := clitest.Run(t, env, append(tt.args, "--db", db, "--python", py)...)
			if r.Code != command.ExitFailure {
				t.Fatalf("exit %d, want %d: %s", r.Code, command.ExitFailure, r.Stderr)
			}
			clitest.MustContain(t, "stderr", r.Stderr, "did not say hello within 1s")
		})
	}
}

// TestNoHome: without HOME there is no cache folder, and the worker is not unpacked into the
// current folder.
func TestNoHome(t *testing.T) {
	env := clitest.Env(t, false)
	env.Home = ""
	getenv := env.Getenv
	env.Getenv = func(k string) string {
		if k == "XDG_CACHE_HOME" || k == "HOME" {
			return ""
		}
		return getenv(k)
	}
	py := fakePython(t, "exit 1")
	db := filepath.Join(t.TempDir(), "runs.db")
	r := clitest.Run(t, env, "run", "--model", "tiny-gpt2", "--context", "8", "--generate", "2", "--db", db, "--python", py)
	if r.Code != command.ExitUsage {
		t.Fatalf("exit %d, want %d: %s", r.Code, command.ExitUsage, r.Stderr)
	}
	clitest.MustContain(t, "stderr", r.Stderr, "HOME is not set")
	if _, err := os.Stat(".cache"); err == nil {
		t.Fatal("the worker was unpacked into ./.cache")
	}
}
