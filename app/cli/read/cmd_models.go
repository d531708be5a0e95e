package read

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/engine"
)

func Models(_ context.Context, _ app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("models", flag.ContinueOnError)
	fs.SetOutput(stderr)
	all := fs.Bool("all", false, "include the tiny test architectures (tiny-gpt2, tiny-llama): seconds to measure, for trying commands")
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "models [flags]",
		Description: `Lists the model catalog: each architecture's name for --model, its longest context
(context + generate must fit), the Hugging Face ids whose local cache it loads when present, and
the precisions --precision takes. Catalog models need no download: without a local checkpoint
they are built with random weights of the exact shape.`,
		Examples: []string{"models", "models --all"},
		Exits:    []command.ExitMeaning{command.Done("listed"), {Code: command.ExitUsage, Meaning: "bad flags"}},
	})
	if err := fs.Parse(args); err != nil {
		return command.UsageError(err)
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tPOSITIONS\tCHECKPOINT IDS (local cache only)\tDESCRIPTION")
	for _, m := range cat.Models {
		if m.Test && !*all {
			continue
		}
		ids := strings.Join(m.HFIDs, ", ")
		if ids == "" {
			ids = "–"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", m.Name, m.MaxPositions, ids, m.Description)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nPrecisions: %s\n", strings.Join(cat.PrecisionNames(), ", "))
	fmt.Fprintln(stdout, "Quantized precisions take a group size suffix: int4-g128. Any folder with config.json and safetensors also works as --model.")
	return nil
}
