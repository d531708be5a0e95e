package flock

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test start this binary as a second process that takes a lock and holds it
// until its stdin closes.
func TestMain(m *testing.M) {
	if path := os.Getenv("FLOCK_TEST_HOLD"); path != "" {
		l, err := Acquire(context.Background(), path, false)
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("held\n")
		buf := make([]byte, 1)
		os.Stdin.Read(buf)
		l.Release()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// holdElsewhere starts a process that holds path's lock; closing the returned pipe ends it.
func holdElsewhere(t *testing.T, path string) (*exec.Cmd, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "FLOCK_TEST_HOLD="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "held") {
		t.Fatalf("holder: %q", buf[:n])
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, func() { stdin.Close(); cmd.Wait() }
}

func TestHeldElsewhereNamesTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	cmd, release := holdElsewhere(t, path)
	_, err := Acquire(context.Background(), path, false)
	var held *HeldError
	if !errors.As(err, &held) || held.PID != cmd.Process.Pid {
		t.Fatalf("err = %v, want HeldError naming pid %d", err, cmd.Process.Pid)
	}
	release()
	l, err := Acquire(context.Background(), path, false)
	if err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
	l.Release()
}

func TestWaitGetsTheLockWhenTheHolderDies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	cmd, _ := holdElsewhere(t, path)
	got := make(chan error, 1)
	go func() {
		l, err := Acquire(context.Background(), path, true)
		if err == nil {
			l.Release()
		}
		got <- err
	}()
	cmd.Process.Kill() // a SIGKILL leaves no lock behind
	cmd.Wait()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a waiting Acquire never got the lock of a dead holder")
	}
}

func TestWaitEndsWithTheContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	holdElsewhere(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() { _, err := Acquire(ctx, path, true); got <- err }()
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestUnusablePath(t *testing.T) {
	_, err := Acquire(context.Background(), filepath.Join(t.TempDir(), "missing", "x.lock"), false)
	var held *HeldError
	if err == nil || errors.As(err, &held) {
		t.Fatalf("err = %v, want an error that is not HeldError", err)
	}
}
