package episode_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
	"metaglot/core/learner"
	"metaglot/core/maml"
	"metaglot/core/nn"
	"metaglot/core/protonet"
	"metaglot/core/reptile"
	"metaglot/core/tensor"
)

// learners returns one fresh learner of each algorithm on a Conv4.
func learners(t *testing.T) map[string]learner.Learner {
	t.Helper()
	params := func() *tensor.Set { return nn.NewConv4Params(rand.New(rand.NewPCG(1, 2))) }
	pn, err := protonet.New(params(), protonet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	fo, err := maml.New(params(), maml.Config{ProtoHead: true, AdaptSteps: 1})
	if err != nil {
		t.Fatal(err)
	}
	re, err := reptile.New(params(), reptile.Config{ProtoHead: true, InnerSteps: 1, AdaptSteps: 1})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]learner.Learner{"protonet": pn, "fomaml": fo, "reptile": re}
}

// TestSecondDatasetLearners: a second data set of the shape Conv4 takes
// (1×28×28, 7 images per class) trains every learner; one of another shape
// (2×16×16) is refused by each with an error naming the shape, never
// trained on.
func TestSecondDatasetLearners(t *testing.T) {
	cfg := episode.Config{Way: 5, Shot: 2, Query: 2}
	fits := &episodetest.Synthetic{Classes: 10, Items: 7, Channels: 1, Height: 28, Width: 28}
	s := syntheticSampler(t, fits, 4, cfg, 5)
	for name, l := range learners(t) {
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
	for name, l := range learners(t) {
		before := l.Params().Clone()
		task := taskOf(other.Sample(), other.ImageShape())
		if _, err := l.Step([]*learner.Task{task}); err == nil || !strings.Contains(err.Error(), "shape [") {
			t.Errorf("%s: Step on 2×16×16 images: error %v, want one naming the shape", name, err)
		}
		if err := sameParams(before, l.Params()); err != "" {
			t.Errorf("%s: a refused Step changed the parameters: %s", name, err)
		}
		if _, err := learner.Accuracy(l, task); err == nil || !strings.Contains(err.Error(), "shape [") {
			t.Errorf("%s: Accuracy on 2×16×16 images: error %v, want one naming the shape", name, err)
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
