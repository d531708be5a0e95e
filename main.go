// Command inferbench benchmarks LLM inference through Apple's MLX and recommends settings.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/inferbench/inferbench/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, app.ProcessEnv(), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
