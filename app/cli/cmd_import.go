package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/storage"
)

func runImport(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("import", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var db dbOptions
	db.addFlags(fset, env)
	setUsage(fset, stderr, helpText{
		synopsis: "import [flags] OTHER.db...",
		description: `Adds the runs of other Inferbench databases (measured on other machines, or by an older
Inferbench) to this one, with their samples and machines. A run already stored is not added
again, so importing the same file twice adds nothing the second time. The other files are only
read. Fits learn from every run in a database: gather a fleet's runs in a database of their
own (--db fleet.db) to keep this machine's recommendations its own.`,
		examples: []string{"import --db fleet.db before.db after.db"},
		exits:    []exitMeaning{exitDone("imported"), exitOperational, exitBadInput},
	})
	files, err := parseInterspersed(fset, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError(fmt.Errorf("import needs a database to import from: inferbench import OTHER.db"))
	}
	store, err := db.open(ctx, env)
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
			return usageError(fmt.Errorf("%s is the database being imported into", f))
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
