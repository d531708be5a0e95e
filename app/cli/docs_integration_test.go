package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/inferbench/inferbench/app/agent"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
	"github.com/inferbench/inferbench/app/cli/measure"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// docCommand is one command line a reader is shown, and where.
type docCommand struct {
	where string // file:line, or "inferbench X -h"
	line  string
}

var (
	fence      = regexp.MustCompile("^\\s*```")
	inlineCode = regexp.MustCompile("`([^`]+)`")
	// A command a reader would type: the binary (bin/inferbench or inferbench) or sqlite3.
	commandStart = regexp.MustCompile(`^(bin/inferbench|inferbench|sqlite3)(\s|$)`)
)

// docCommands extracts every command from a Markdown text: lines of code blocks (fenced or
// indented) that start
// with inferbench, bin/inferbench or sqlite3 (joining backslash continuations), and inline code
// spans that do, unless they elide with an ellipsis.
func docCommands(name, text string) []docCommand {
	var out []docCommand
	inCode := false
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if fence.MatchString(line) {
			inCode = !inCode
			continue
		}
		// Inside a fence, or an indented code block.
		if inCode || strings.HasPrefix(line, "    ") && commandStart.MatchString(strings.TrimSpace(line)) {
			cmd := strings.TrimSpace(line)
			start := i
			// A backslash continues a line, and so does an open quote.
			for (strings.HasSuffix(cmd, "\\") || unclosed(cmd)) && i+1 < len(lines) {
				i++
				cmd = strings.TrimSuffix(cmd, "\\") + " " + strings.TrimSpace(lines[i])
			}
			if commandStart.MatchString(cmd) {
				out = append(out, docCommand{fmt.Sprintf("%s:%d", name, start+1), cmd})
			}
			continue
		}
		for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
			// Prose names commands too ("`inferbench sweep` groups them"): only those with a
			// flag are commands to type.
			if commandStart.MatchString(m[1]) && strings.Contains(m[1], " -") && !strings.ContainsAny(m[1], "…<[") && !strings.Contains(m[1], "...") {
				out = append(out, docCommand{fmt.Sprintf("%s:%d", name, i+1), m[1]})
			}
		}
	}
	return out
}

// unclosed reports whether a command line ends inside a quote, so the next line continues it.
func unclosed(line string) bool {
	_, err := shellWords(line, "")
	return err != nil
}

// helpExamples extracts the lines under "Examples:" of a command's -h.
func helpExamples(name, help string) []docCommand {
	var out []docCommand
	in := false
	for _, line := range strings.Split(help, "\n") {
		switch {
		case strings.HasPrefix(line, "Examples:") || strings.HasPrefix(line, "Example:"):
			in = true
		case in && strings.HasPrefix(line, "  inferbench "):
			out = append(out, docCommand{"inferbench " + name + " -h", strings.TrimSpace(line)})
		case in:
			in = false
		}
	}
	return out
}

// shellWords splits a command line as a POSIX shell would for these commands: whitespace,
// single and double quotes, a # comment after whitespace, and ~/ at a word's start.
func shellWords(line, home string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '#' && !inWord:
			return words, nil
		case r == '~' && !inWord && strings.HasPrefix(line[i:], "~/"):
			cur.WriteString(home)
			inWord = true
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// docRig is a home with a database that every documented command can run against: a real
// tiny sweep, synthetic runs of the catalog models for fitting, and a queue for the agent.
type docRig struct {
	home, work, python, db string
}

func newDocRig(t *testing.T) *docRig {
	t.Helper()
	env := apptest.Env(t, true)
	r := &docRig{home: env.Home, work: filepath.Join(env.Home, "work"), python: env.Getenv("INFERBENCH_PYTHON")}
	r.db = storage.DefaultPath("linux", func(string) string { return "" }, r.home)
	if err := os.MkdirAll(filepath.Join(r.work, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The shipped examples and measured data, at the paths the documents name, relative to a
	// checkout; copies, so that no command writes to the checkout's.
	for _, dir := range []string{"docs/examples", "bench/data"} {
		if err := os.CopyFS(filepath.Join(r.work, dir), os.DirFS(filepath.Join(moduleRootDir(t), dir))); err != nil {
			t.Fatal(err)
		}
	}
	// The README's checkpoint folder: a config.json of the tiny GPT-2's shape.
	cat := clitest.Catalog(t)
	m, _ := cat.Model("tiny-gpt2")
	ckpt := filepath.Join(r.home, "models", "my-checkpoint")
	if err := os.MkdirAll(ckpt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ckpt, "config.json"), m.Config, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(r.db), 0o755); err != nil {
		t.Fatal(err)
	}
	// The databases the documents name beside the default one: runs.db for sqlite3, and the
	// pairs compare and import read.
	for _, name := range []string{"runs.db", "before.db", "after.db", "old.db", "new.db", "studio.db", "air.db", "gpu-1.db"} {
		if err := os.Symlink(r.db, filepath.Join(r.work, name)); err != nil {
			t.Fatal(err)
		}
	}
	apptest.NewSynthetic(t, r.db).Sweep()
	res := r.run(t, "sweep", "--model", "tiny-gpt2", "--precision", "fp32,int8", "--context", "16,32", "--generate", "4",
		"--batch", "1,2", "--repeats", "3", "--warmup", "0")
	if res.Code != 0 {
		t.Fatalf("seeding sweep: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	// It ends with llama-bench's summary, and warned about int8 on the CPU backend first.
	clitest.MustContain(t, "sweep summary", res.Stdout, "PREFILL T/S", "DECODE T/S", "± 95%", "MS/TOKEN P50", "PEAK MEM", "STATUS",
		"tiny-gpt2", "int8", "8 configurations: 8 measured")
	clitest.MustContain(t, "sweep warnings", res.Stderr, "warning: int8 on the CPU backend")
	store, err := storage.Open(context.Background(), r.db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	q := []engine.Config{{Model: "tiny-llama", Precision: "fp32", Weights: "random", Context: 16, Generate: 4, Batch: 1, Repeats: 3}}
	if _, err := store.Enqueue(context.Background(), agent.QueueItems(clitest.Catalog(t), q)); err != nil {
		t.Fatal(err)
	}
	return r
}

// run runs inferbench with args as its own process, in the rig's home.
func (r *docRig) run(t *testing.T, args ...string) clitest.Result {
	t.Helper()
	argv, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Dir = r.work
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains([]string{"HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "INFERBENCH_DB", "INFERBENCH_PYTHON"}, k) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "INFERBENCH_TEST_MAIN="+string(argv), "HOME="+r.home, "XDG_CACHE_HOME="+filepath.Join(r.home, "cache"),
		"INFERBENCH_PYTHON="+r.python, "INFERBENCH_LOCK_DIR="+r.home) // not the machine's lock: other inferbenches may run
	var out, errb clitest.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("inferbench %v: %v", args, err)
	}
	return clitest.Result{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

// check runs one documented command the way a reader would, made cheap: run, sweep, setup and
// an agent given a grid take --dry-run (which checks every configuration against the catalog);
// the rest run for real against the rig's database; sqlite3 queries run through SQLite. It
// returns why the command fails, or "".
func (r *docRig) check(t *testing.T, c docCommand) string {
	t.Helper()
	words, err := shellWords(c.line, r.home)
	if err != nil {
		return err.Error()
	}
	if words[0] == "sqlite3" {
		return r.query(words)
	}
	args := words[1:]
	if len(args) == 0 || args[0] == "menubar" {
		return "" // the menu-bar app: main starts it on a Mac, and make check-darwin type-checks it
	}
	has := func(flag string) bool {
		return slices.ContainsFunc(args, func(a string) bool { return a == flag || strings.HasPrefix(a, flag+"=") })
	}
	gridGiven := slices.ContainsFunc(append(slices.Clone(measure.GridFlags), "file"), func(f string) bool { return has("--" + f) })
	switch {
	case args[0] == "run" || args[0] == "sweep" || args[0] == "setup" || args[0] == "agent" && gridGiven:
		if !has("--dry-run") {
			args = append(args, "--dry-run")
		}
	case args[0] == "agent" && !has("--once"):
		args = append(args, "--once")
	}
	res := r.run(t, args...)
	// compare's selectors (machine=studio, mlx=0.31.0) name data from other machines and
	// versions, which the rig cannot hold: its flags and selectors must still be accepted, and
	// the only complaint be that nothing matched.
	if args[0] == "compare" && res.Code == command.ExitFailure && strings.Contains(res.Stderr, "no configuration was measured by both") {
		return ""
	}
	if res.Code != 0 {
		return fmt.Sprintf("exit %d: %s%s", res.Code, res.Stderr, res.Stdout)
	}
	return ""
}

// query runs a sqlite3 command's SQL against the database it names, relative paths from the
// rig's work folder (where runs.db is the rig's database).
func (r *docRig) query(words []string) string {
	var operands []string
	for _, w := range words[1:] {
		if !strings.HasPrefix(w, "-") { // sqlite3's output options
			operands = append(operands, w)
		}
	}
	if len(operands) != 2 {
		return fmt.Sprintf("want sqlite3 [options] DB 'SQL', got %q", words)
	}
	path := operands[0]
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.work, path)
	}
	if _, err := os.Stat(path); err != nil {
		return err.Error()
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	rows, err := db.Query(operands[1])
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		return err.Error()
	}
	if n == 0 {
		return "the query returned no rows from a database with runs"
	}
	return ""
}

func moduleRootDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	t.Fatal("no go.mod above " + dir)
	return ""
}

// documentedCommands gathers every command README.md, docs/*.md and each command's -h show.
func documentedCommands(t *testing.T, r *docRig) []docCommand {
	t.Helper()
	root := moduleRootDir(t)
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	var cmds []docCommand
	for _, f := range append([]string{filepath.Join(root, "README.md")}, files...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		cmds = append(cmds, docCommands(rel, string(b))...)
	}
	for _, c := range commands() {
		res := r.run(t, c.name, "-h")
		if res.Code != 0 {
			t.Errorf("inferbench %s -h: exit %d", c.name, res.Code)
		}
		ex := helpExamples(c.name, res.Stderr)
		if len(ex) == 0 {
			t.Errorf("inferbench %s -h shows no examples", c.name)
		}
		cmds = append(cmds, ex...)
	}
	return cmds
}

// Every command the README, docs/ and the help texts show runs as shown (exit 0).
func TestDocumentedCommandsRun(t *testing.T) {
	r := newDocRig(t)
	cmds := documentedCommands(t, r)
	if len(cmds) < 40 {
		t.Fatalf("found only %d documented commands; the extraction is broken", len(cmds))
	}
	seen := map[string]bool{}
	for _, c := range cmds {
		if seen[c.line] {
			continue
		}
		seen[c.line] = true
		if why := r.check(t, c); why != "" {
			t.Errorf("%s: %s\n  %s", c.where, c.line, strings.ReplaceAll(strings.TrimSpace(why), "\n", "\n  "))
		}
	}
	t.Logf("ran %d documented commands", len(seen))

	// A dry run of a grid half measured marks each half, times the new half from the stored
	// runs, and gives the slowdown of int8 measured by the rig's sweep. With other repetitions
	// than the rig's sweep nothing counts as measured, and the plan says why.
	grid := []string{"sweep", "--model", "tiny-gpt2", "--precision", "fp32,int8", "--context", "16,64", "--generate", "4",
		"--warmup", "0", "--dry-run"}
	res := r.run(t, append(slices.Clone(grid), "--repeats", "3")...)
	clitest.MustContain(t, "dry run", res.Stdout, "tiny-gpt2 fp32 ctx 16 batch 1 gen 4", "measured run ", "2 new, 2 already measured",
		"Estimated time: ", "warning: int8 on the CPU backend: measured here")
	res = r.run(t, append(slices.Clone(grid), "--repeats", "2")...)
	clitest.MustContain(t, "dry run, other repetitions", res.Stdout, "had other settings: --repeats 3 (now 2)", "4 new, 0 already measured",
		"warning: --repeats 2")

	// A stale example fails: each of these was once in the README or a help text.
	for _, planted := range []string{
		"bin/inferbench sweep --model gpt2 --context 128-1024*2 --generate 32", // beyond GPT-2's 1024 positions
		"bin/inferbench sweep --file sweep.json --dry-run",                     // a file that does not ship
		"bin/inferbench runs --status bogus",
		"bin/inferbench runs --stauts oom",
		"sqlite3 ~/.local/share/inferbench/inferbench.db 'select model, precision, context, batch from runs'",
	} {
		cmds := docCommands("planted.md", "```sh\n"+planted+"\n```\n")
		if len(cmds) != 1 {
			t.Errorf("planted %q: extracted %d commands, want 1", planted, len(cmds))
			continue
		}
		if why := r.check(t, cmds[0]); why == "" {
			t.Errorf("planted %q passed; a stale example must fail", planted)
		}
	}

	// The sweep file docs/sweeps.md shows is the one that ships, and it has as many
	// configurations as the text says.
	root := moduleRootDir(t)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "sweeps.md"))
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile(filepath.Join(root, "docs", "examples", "sweep.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile("(?s)```json\n(.*?)```").FindSubmatch(doc); m == nil || string(m[1]) != string(shipped) {
		t.Error("docs/sweeps.md's example differs from docs/examples/sweep.json")
	}
	claim := regexp.MustCompile(`= (\d+) configurations`).FindSubmatch(doc)
	res = r.run(t, "sweep", "--file", "docs/examples/sweep.json", "--dry-run")
	if claim == nil || !strings.Contains(res.Stdout, "\n"+string(claim[1])+" configurations in ") {
		t.Errorf("docs/sweeps.md says %q configurations; the dry run says:\n%s", claim, res.Stdout)
	}

	// The server recipe measured the queue the rig left.
	store, err := storage.Open(context.Background(), r.db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	runs, err := store.Runs(context.Background(), storage.RunFilter{Model: "tiny-llama"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != storage.StatusOK {
		t.Errorf("the agent recipe stored %d tiny-llama runs, want the queued one, ok", len(runs))
	}
}
