package episode_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"metaglot/core/algo"
	_ "metaglot/core/algo/all"
	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
	"metaglot/core/learner"
	"metaglot/core/tensor"
)

type namedLearner struct {
	name string
	learner.Learner
}

// learners returns, in menu order, a fresh learner of every registered algorithm, with
// its Suite settings (as the shared learner suite) for way-way tasks.
func learners(t *testing.T, way int) []namedLearner {
	t.Helper()
	var ls []namedLearner
	for _, s := range algo.All() {
		c := s.Suite
		if c.Algo == "" {
			c = s.Quick
		}
		c.Way = way
		l, err := s.New(c, s.NewParams(c, rand.New(rand.NewPCG(1, 2))), nil)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		ls = append(ls, namedLearner{s.Name, l})
	}
	if len(ls) < 3 {
		t.Fatalf("%d registered algorithms, want at least ProtoNet, FOMAML and Reptile", len(ls))
	}
	return ls
}

// TestSecondDatasetLearners: a second data set of the shape the networks
// take (1×28×28, 7 images per class) trains every registered learner; one
// of another shape (2×16×16) is refused by each with an error, never
// trained on.
func TestSecondDatasetLearners(t *testing.T) {
	cfg := episode.Config{Way: 5, Shot: 2, Query: 2}
	fits := &episodetest.Synthetic{Classes: 10, Items: 7, Channels: 1, Height: 28, Width: 28}
	s := syntheticSampler(t, fits, 4, cfg, 5)
	for _, l := range learners(t, cfg.Way) {
		name := l.name
		task := taskOf(s.Sample(), s.ImageShape())
		m, err := l.Step([]*learner.Task{task})
		if err != nil || math.IsNaN(m.Loss) || math.IsInf(m.Loss, 0) {
			t.Errorf("%s: Step on 1×28×28 synthetic episode: %+v, %v", name, m, err)
		}
		if _, err := learner.Accuracy(l, task); err != nil {
			t.Errorf("%s: Accuracy on 1×28×28 synthetic episode: %v", name, err)
		}
	}
	other := syntheticSampler(t, small(), 4, cfg, 5)
	for _, l := range learners(t, cfg.Way) {
		name := l.name
		before := l.Params().Clone()
		task := taskOf(other.Sample(), other.ImageShape())
		if _, err := l.Step([]*learner.Task{task}); err == nil {
			t.Errorf("%s: Step on 2×16×16 images: no error", name)
		}
		if err := sameParams(before, l.Params()); err != "" {
			t.Errorf("%s: a refused Step changed the parameters: %s", name, err)
		}
		if _, err := learner.Accuracy(l, task); err == nil {
			t.Errorf("%s: Accuracy on 2×16×16 images: no error", name)
		}
	}
}

// sameParams returns "" if a and b hold the same tensors with the same
// values, or else the first that differs.
func sameParams(a, b *tensor.Set) string {
	if !slices.Equal(a.Names(), b.Names()) {
		return "names differ"
	}
	for _, n := range a.Names() {
		if !slices.Equal(a.Get(n).Data, b.Get(n).Data) {
			return n
		}
	}
	return ""
}
