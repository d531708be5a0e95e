// Command inferbench benchmarks LLM inference through Apple's MLX and recommends settings.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli"
	"github.com/inferbench/inferbench/app/desktop"
	"github.com/inferbench/inferbench/menubar"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// No arguments on a Mac (or only the process serial number Finder once passed): the menu-bar app.
	if runtime.GOOS == "darwin" && (len(os.Args) == 1 || strings.HasPrefix(os.Args[1], "-psn_")) {
		code := runMenuBar(ctx)
		stop()
		os.Exit(code)
	}
	code := cli.Main(ctx, app.ProcessEnv(), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMenuBar runs the menu-bar app until the user quits; it logs to inferbench.log in the data folder.
func runMenuBar(ctx context.Context) int {
	d, err := desktop.New(ctx, app.ProcessEnv(), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "inferbench:", err)
		return cli.ExitFailure
	}
	if err := menubar.Run(ctx, d); err != nil {
		fmt.Fprintln(os.Stderr, "inferbench:", err)
		return cli.ExitFailure
	}
	return cli.ExitOK
}
