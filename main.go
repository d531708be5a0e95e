// Command inferbench benchmarks LLM inference through Apple's MLX and recommends settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/app/desktop"
	"github.com/inferbench/inferbench/menubar"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// No arguments on a Mac (or only the process serial number Finder once passed): the menu-bar app.
	if runtime.GOOS == "darwin" && (len(os.Args) == 1 || strings.HasPrefix(os.Args[1], "-psn_")) {
		code := runMenuBar(ctx, menubar.Options{})
		stop()
		os.Exit(code)
	}
	// `inferbench menubar [--self-test]`: the same app, on purpose; elsewhere Run says it needs macOS.
	if len(os.Args) > 1 && os.Args[1] == "menubar" {
		opts, err := menubar.ParseArgs(os.Args[2:], os.Stderr)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(command.ExitOK)
		} else if err != nil {
			os.Exit(command.ExitUsage)
		}
		opts.Out = os.Stdout
		code := runMenuBar(ctx, opts)
		stop()
		os.Exit(code)
	}
	code := cli.Main(ctx, app.ProcessEnv(), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMenuBar runs the menu-bar app until the user quits; it logs to inferbench.log in the data folder.
func runMenuBar(ctx context.Context, opts menubar.Options) int {
	if runtime.GOOS != "darwin" {
		fmt.Fprintln(os.Stderr, "inferbench:", menubar.Run(ctx, nil, opts))
		return command.ExitFailure
	}
	d, err := desktop.New(ctx, app.ProcessEnv(), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "inferbench:", err)
		return command.ExitFailure
	}
	if err := menubar.Run(ctx, d, opts); err != nil {
		fmt.Fprintln(os.Stderr, "inferbench:", err)
		return command.ExitFailure
	}
	return command.ExitOK
}
