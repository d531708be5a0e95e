package menubar

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args    []string
		want    Options
		wantErr string
	}{
		{nil, Options{}, ""},
		{[]string{"--self-test"}, Options{SelfTest: defaultSelfTestTimeout}, ""},
		{[]string{"--self-test", "--timeout", "45s"}, Options{SelfTest: 45 * time.Second}, ""},
		{[]string{"--timeout", "45s"}, Options{}, ""},
		{[]string{"--self-test", "--timeout", "0s"}, Options{}, "more than 0"},
		{[]string{"extra"}, Options{}, "no arguments"},
		{[]string{"--no-such-flag"}, Options{}, "not defined"},
	}
	for _, tt := range tests {
		got, err := ParseArgs(tt.args, io.Discard)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseArgs(%q) error %v, want one containing %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseArgs(%q) = %+v, %v; want %+v", tt.args, got, err, tt.want)
		}
	}
}

func TestLaunchProbeAllSteps(t *testing.T) {
	var out bytes.Buffer
	p := newLaunchProbe(&out)
	var wg sync.WaitGroup
	// The shell marks steps from the main thread and from the goroutine that follows the
	// controller; order among the launch steps does not matter.
	for _, s := range []launchStep{stepMenu, stepStatusItem, stepLaunched, stepWindows, stepMainMenu} {
		wg.Add(1)
		go func() { defer wg.Done(); p.mark(s) }()
	}
	wg.Wait()
	p.mark(stepRefresh)
	p.mark(stepRefresh) // a second refresh changes nothing
	if err := p.wait(context.Background(), time.Minute); err != nil {
		t.Fatalf("wait: %v", err)
	}
	for _, s := range launchSteps {
		if n := strings.Count(out.String(), "self-test: "+string(s)+"\n"); n != 1 {
			t.Errorf("step %q reported %d times:\n%s", s, n, out.String())
		}
	}
}

func TestLaunchProbeMissingSteps(t *testing.T) {
	p := newLaunchProbe(nil)
	// A refresh before launch is a status drawn before there is a status item: not counted.
	p.mark(stepRefresh)
	p.mark(stepLaunched)
	p.mark(stepStatusItem)
	err := p.wait(context.Background(), time.Millisecond)
	if !errors.Is(err, errSelfTest) {
		t.Fatalf("wait = %v, want a self-test failure", err)
	}
	for _, s := range []launchStep{stepMenu, stepMainMenu, stepWindows, stepRefresh} {
		if !strings.Contains(err.Error(), string(s)) {
			t.Errorf("error %q does not name missing step %q", err, s)
		}
	}
	for _, s := range []launchStep{stepLaunched, stepStatusItem} {
		if strings.Contains(err.Error(), string(s)) {
			t.Errorf("error %q names step %q, which was seen", err, s)
		}
	}
	if !strings.Contains(err.Error(), "after 1ms") {
		t.Errorf("error %q does not say how long it waited", err)
	}
}

func TestLaunchProbeInterrupted(t *testing.T) {
	p := newLaunchProbe(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx, time.Hour); !errors.Is(err, errSelfTest) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("wait = %v, want an interrupted self-test", err)
	}
}
