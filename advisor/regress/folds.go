package regress

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Split is one train/test partition of row indices.
type Split struct{ Train, Test []int }

// KFold partitions rows into k folds for cross-validation. Rows with the same
// key (repeated runs of one configuration) stay in one fold, so no
// configuration is tested on after being trained on. Groups are shuffled by
// seed and dealt class by class, so every fold sees both classes where there
// are enough of each.
func KFold(keys []string, labels []bool, k int, seed int64) []Split {
	groups := map[string][]int{}
	var order []string
	for i, key := range keys {
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], i)
	}
	k = min(k, len(order))
	if k < 2 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x1f3e))
	var pos, neg []string
	for _, key := range order {
		if labels != nil && labels[groups[key][0]] {
			pos = append(pos, key)
		} else {
			neg = append(neg, key)
		}
	}
	rng.Shuffle(len(pos), func(i, j int) { pos[i], pos[j] = pos[j], pos[i] })
	rng.Shuffle(len(neg), func(i, j int) { neg[i], neg[j] = neg[j], neg[i] })
	tests := make([][]int, k)
	for g, key := range append(pos, neg...) {
		tests[g%k] = append(tests[g%k], groups[key]...)
	}
	return complements(len(keys), tests)
}

// MinModelsLOMO is the fewest models that allow leaving one out: two must
// remain to train on.
const MinModelsLOMO = 3

// LeaveOneModelOut holds out each model in turn: the test of whether the
// fit carries to a model size it has never seen.
func LeaveOneModelOut(models []string) ([]Split, []string) {
	var names []string
	for _, m := range models {
		if !slices.Contains(names, m) {
			names = append(names, m)
		}
	}
	slices.Sort(names)
	tests := make([][]int, len(names))
	for i, m := range models {
		j := slices.Index(names, m)
		tests[j] = append(tests[j], i)
	}
	return complements(len(models), tests), names
}

func complements(n int, tests [][]int) []Split {
	out := make([]Split, len(tests))
	for f, test := range tests {
		in := make([]bool, n)
		for _, i := range test {
			in[i] = true
		}
		var train []int
		for i := range n {
			if !in[i] {
				train = append(train, i)
			}
		}
		slices.Sort(test)
		out[f] = Split{Train: train, Test: test}
	}
	return out
}

// OutOfFold runs fitPredict on every split and gathers each row's
// prediction from the one fold that held it out.
func OutOfFold[T any](n int, splits []Split, fitPredict func(train, test []int) ([]T, error)) ([]T, error) {
	out := make([]T, n)
	seen := make([]bool, n)
	for _, s := range splits {
		pred, err := fitPredict(s.Train, s.Test)
		if err != nil {
			return nil, err
		}
		for k, i := range s.Test {
			if seen[i] {
				return nil, fmt.Errorf("row %d held out twice", i)
			}
			seen[i] = true
			out[i] = pred[k]
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("row %d never held out", i)
		}
	}
	return out, nil
}

// Pick returns the elements of xs at idx, in order.
func Pick[T any](xs []T, idx []int) []T {
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = xs[i]
	}
	return out
}
