package advice_test

import (
	"context"
	"path/filepath"
	"testing"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app/advice"
	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/engine"
)

func TestMostInformativePicksWhatWasNeverMeasured(t *testing.T) {
	_, _, s, _ := apptest.Seeded(t) // gpt2, gpt2-medium, gpt2-large at fp32 and fp16
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	measured := engine.Config{Model: "gpt2-medium", Precision: "fp16", Context: 128, Generate: apptest.SynthGenerate, Batch: 1}
	unseen := engine.Config{Model: "gpt2-xl", Precision: "fp16", Context: 512, Generate: apptest.SynthGenerate, Batch: 4}
	i, err := advice.MostInformative(context.Background(), s.DB, cat, []engine.Config{measured, unseen})
	if err != nil {
		t.Fatal(err)
	}
	if i != 1 {
		t.Errorf("picked %d, want the model never measured (1)", i)
	}
}

func TestMostInformativeWithoutRunsKeepsTheOrder(t *testing.T) {
	s := apptest.NewSynthetic(t, filepath.Join(t.TempDir(), "empty.db"))
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	i, err := advice.MostInformative(context.Background(), s.DB, cat, []engine.Config{{Model: "gpt2"}, {Model: "gpt2-xl"}})
	if err != nil || i != 0 {
		t.Errorf("MostInformative on an empty database = %d, %v; want 0, nil", i, err)
	}
}
