package read

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/storage"
)

func Import(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("import", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var db command.DBOptions
	db.AddFlags(fset, env)
	command.SetUsage(fset, stderr, command.HelpText{
		Synopsis: "import [flags] OTHER.db...",
		Description: `Adds the runs of other Inferbench databases (measured on other machines, or by an older
Inferbench) to this one, with their samples and machines. A run already stored is not added
again, so importing the same file twice adds nothing the second time. The other files are only
read. Fits learn from every run in a database: gather a fleet's runs in a database of their
own (--db fleet.db) to keep this machine's recommendations its own.`,
		Examples: []string{"import --db fleet.db before.db after.db"},
		Exits:    []command.ExitMeaning{command.Done("imported"), command.Operational, command.BadInput},
	})
	files, err := command.ParseInterspersed(fset, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return command.UsageError(fmt.Errorf("import needs a database to import from: inferbench import OTHER.db"))
	}
	store, err := db.Open(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	for _, f := range files {
		snap, err := storage.OpenSnapshot(ctx, f)
		if err != nil {
			return err
		}
		if snap.Source == store.Path() {
			snap.Close()
			return command.UsageError(fmt.Errorf("%s is the database being imported into", f))
		}
		st, err := store.Import(ctx, snap.DB)
		snap.Close()
		if err != nil {
			return fmt.Errorf("%s: %w (nothing was imported from it)", f, err)
		}
		fmt.Fprintf(stdout, "%s: %d runs added, %d already stored, from %d machines, into %s\n",
			f, st.Runs, st.Duplicates, st.Machines, store.Path())
	}
	return nil
}
