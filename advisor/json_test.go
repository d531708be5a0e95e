package advisor

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/advisor/physics"
	"github.com/inferbench/inferbench/advisor/regress"
)

func TestFitJSONRoundTrip(t *testing.T) {
	f, obs := cpuFit(t)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var g Fit
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Metrics, f.Metrics) || !reflect.DeepEqual(g.RunIDs, f.RunIDs) || !g.CreatedAt.Equal(f.CreatedAt) {
		t.Error("metrics, run ids or creation time changed in the round trip")
	}
	qs := []Query{}
	for _, o := range obs {
		qs = append(qs, o.Query())
	}
	for _, c := range candidates(t, []string{"gpt2-xl", "smollm2-135m"}, []int{100, 2000}) {
		qs = append(qs, c.Query)
	}
	unseen := qs[0]
	unseen.Precision, unseen.WeightBytes = "int4", unseen.Params*9/16
	qs = append(qs, unseen)
	for _, q := range qs {
		if want, got := f.Predict(q), g.Predict(q); want != got {
			t.Fatalf("%s %s ctx %d: predicted %+v before, %+v after", q.Model, q.Precision, q.Context, want, got)
		}
	}
	// Every model kind must survive, not only the chosen ones.
	for _, kind := range regress.Kinds(physics.Memory) {
		m, err := regress.Train(physics.Memory, kind, derived(obs), values(obs, physics.Memory), keysOf(obs), Options{Folds: 5}.withDefaults().fitting())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m)
		var m2 regress.Model
		if err := json.Unmarshal(b, &m2); err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			p := physics.Derive(q)
			if m.Estimate(p) != m2.Estimate(p) {
				t.Fatalf("%s: regress.Estimate changed in the round trip", kind)
			}
		}
	}
}

func derived(obs []Observation) []physics.Quantities {
	var out []physics.Quantities
	for _, o := range obs {
		out = append(out, physics.Derive(o.Query()))
	}
	return out
}

func values(obs []Observation, t physics.Target) []float64 {
	var out []float64
	for _, o := range obs {
		out = append(out, value(t, o))
	}
	return out
}

func keysOf(obs []Observation) []string {
	var out []string
	for _, o := range obs {
		out = append(out, o.Query().Key())
	}
	return out
}

func TestFitJSONRefusesWhatItCannotUse(t *testing.T) {
	f, _ := cpuFit(t)
	good, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(change func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		b, _ := json.Marshal(m)
		return b
	}
	for _, c := range []struct {
		name string
		json []byte
		want string
	}{
		{"newer layout", edit(func(m map[string]any) { m["version"] = 99 }), "version 99"},
		{"no decode model", edit(func(m map[string]any) { delete(m, "decode") }), "missing"},
		{"unknown kind", edit(func(m map[string]any) { m["ttft"].(map[string]any)["kind"] = "forest" }), "forest"},
		{"unknown feature", edit(func(m map[string]any) {
			d := m["decode"].(map[string]any)["design"].(map[string]any)
			d["features"].([]any)[0] = "log_moon_phase"
		}), "log_moon_phase"},
		{"no classifier", edit(func(m map[string]any) { delete(m, "interactive") }), "classifier"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var g Fit
			err := json.Unmarshal(c.json, &g)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "fit again") {
				t.Errorf("Unmarshal error %v, want one naming %q and saying to fit again", err, c.want)
			}
		})
	}
}
