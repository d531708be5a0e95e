package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/inferbench/inferbench/app"
)

// TestMain lets a test start this test binary as the inferbench command, so that tests can
// kill or interrupt a real inferbench process: INFERBENCH_TEST_MAIN holds its arguments.
func TestMain(m *testing.M) {
	if argv := os.Getenv("INFERBENCH_TEST_MAIN"); argv != "" {
		var args []string
		if err := json.Unmarshal([]byte(argv), &args); err != nil {
			panic(err)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, app.ProcessEnv(), args, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
