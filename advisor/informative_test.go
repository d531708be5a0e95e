package advisor

import "testing"

func TestCommitteeDisagreesWhereNothingWasMeasured(t *testing.T) {
	all := h200Law.sweep(t, 6)
	var train []Observation
	var measured, unseen Query
	for _, o := range all {
		switch {
		case (o.Model == "gpt2" || o.Model == "gpt2-medium" || o.Model == "gpt2-large") && o.Precision != "int4":
			train = append(train, o)
			measured = o.Query()
		case o.Model == "llama-3.2-1b" && o.Precision == "int4" && o.Batch == 8:
			unseen = o.Query()
		}
	}
	c, err := NewCommittee(train, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, dm := c.Predict(measured)
	_, du := c.Predict(unseen)
	if !(du > 2*dm) {
		t.Errorf("disagreement %.4f on a measured configuration, %.4f on a model and precision never measured: want the second far larger", dm, du)
	}
	if got := c.MostInformative([]Query{measured, unseen}); got != 1 {
		t.Errorf("MostInformative chose %d, want the unmeasured configuration (1)", got)
	}
	if _, err := NewCommittee(train[:MinRuns-1], Options{}); err == nil {
		t.Error("a committee of too few runs was trained")
	}
}
