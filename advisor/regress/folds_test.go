package regress

import (
	"fmt"
	"slices"
	"testing"
)

func TestKFold(t *testing.T) {
	for _, c := range []struct {
		name   string
		n, k   int
		repeat int // runs per configuration
		posOf  int // every posOf-th configuration is positive
	}{
		{"five folds", 40, 5, 1, 4},
		{"repeated runs stay together", 30, 5, 3, 3},
		{"stratified with repeats", 60, 5, 3, 2},
		{"more folds than configurations", 6, 10, 2, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			keys := make([]string, c.n)
			labels := make([]bool, c.n)
			for i := range keys {
				g := i / c.repeat
				keys[i] = fmt.Sprint("config", g)
				labels[i] = g%c.posOf == 0
			}
			splits := KFold(keys, labels, c.k, 1)
			// Each fold must see both classes when each class has a
			// configuration for every fold.
			posGroups, groups := 0, (c.n+c.repeat-1)/c.repeat
			for g := range groups {
				if g%c.posOf == 0 {
					posGroups++
				}
			}
			stratified := posGroups >= len(splits) && groups-posGroups >= len(splits)
			if len(splits) < 2 || len(splits) > c.k {
				t.Fatalf("%d folds, want 2..%d", len(splits), c.k)
			}
			tested := make([]int, c.n)
			for f, s := range splits {
				if len(s.Train)+len(s.Test) != c.n {
					t.Errorf("fold %d: %d train + %d test, want %d", f, len(s.Train), len(s.Test), c.n)
				}
				trainKeys := map[string]bool{}
				for _, i := range s.Train {
					trainKeys[keys[i]] = true
				}
				var pos int
				for _, i := range s.Test {
					tested[i]++
					if slices.Contains(s.Train, i) {
						t.Errorf("fold %d trains on row %d, which it tests", f, i)
					}
					if trainKeys[keys[i]] {
						t.Errorf("fold %d tests %s, a configuration it trains on", f, keys[i])
					}
					if labels[i] {
						pos++
					}
				}
				if stratified && (pos == 0 || pos == len(s.Test)) {
					t.Errorf("fold %d holds one class only (%d of %d positive)", f, pos, len(s.Test))
				}
			}
			for i, n := range tested {
				if n != 1 {
					t.Errorf("row %d tested %d times, want once", i, n)
				}
			}
		})
	}
}

func TestKFoldTooFewConfigurations(t *testing.T) {
	if s := KFold([]string{"a", "a", "a"}, nil, 5, 1); s != nil {
		t.Errorf("one configuration gave %d folds, want none", len(s))
	}
}

func TestLeaveOneModelOut(t *testing.T) {
	models := []string{"b", "a", "c", "a", "b", "c", "c"}
	splits, names := LeaveOneModelOut(models)
	if !slices.Equal(names, []string{"a", "b", "c"}) {
		t.Fatalf("held out %v", names)
	}
	for f, s := range splits {
		for _, i := range s.Test {
			if models[i] != names[f] {
				t.Errorf("fold %s tests a run of %s", names[f], models[i])
			}
		}
		for _, i := range s.Train {
			if models[i] == names[f] {
				t.Errorf("fold %s trains on its own model", names[f])
			}
		}
		if len(s.Test)+len(s.Train) != len(models) {
			t.Errorf("fold %s does not cover every run", names[f])
		}
	}
}

func TestOutOfFoldUsesOnlyTrainingRows(t *testing.T) {
	// Each prediction is the mean of its fold's training rows, and a row's
	// own value is far from the others: a leak would show.
	y := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 1000}
	keys := make([]string, len(y))
	for i := range keys {
		keys[i] = fmt.Sprint(i)
	}
	splits := KFold(keys, nil, 5, 3)
	pred, err := OutOfFold(len(y), splits, func(train, test []int) ([]float64, error) {
		m := mean(Pick(y, train))
		out := make([]float64, len(test))
		for k := range test {
			out[k] = m
		}
		return out, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range splits {
		want := mean(Pick(y, s.Train))
		for _, i := range s.Test {
			if pred[i] != want {
				t.Errorf("row %d predicted %v, want its training mean %v", i, pred[i], want)
			}
		}
	}
	if pred[9] > 10 {
		t.Errorf("the outlier predicted itself: %v", pred[9])
	}
}
