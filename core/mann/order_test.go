package mann

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/nn"
	"metaglot/core/protonet"
	"metaglot/core/tensor"
)

// permuted returns a copy of t's task with its support set in the order
// perm (perm[s] is the old index of the new image s).
func permuted(t *learner.Task, perm []int) *learner.Task {
	u := *t
	u.Support = tensor.New(t.Support.Shape...)
	u.SupportLabels = make([]int, len(perm))
	for s, i := range perm {
		copy(u.Support.Data[s*784:(s+1)*784], t.Support.Data[i*784:(i+1)*784])
		u.SupportLabels[s] = t.SupportLabels[i]
	}
	return &u
}

func maxDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// TestOrderMatters: a MANN reads the support set as a sequence, so its
// probabilities for a query change with the order of the support images;
// a ProtoNet averages them into prototypes, so they do not.
func TestOrderMatters(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	task := learnertest.Task(rng, 3, 3, 2)
	rev := []int{8, 7, 6, 5, 4, 3, 2, 1, 0}
	probs := func(l learner.Learner, u *learner.Task) []float32 {
		t.Helper()
		c, err := l.Adapt(u)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Probs(task.Query)
		if err != nil {
			t.Fatal(err)
		}
		return p.Data
	}
	m, err := New(NewParams(smallConfig, rng), smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.AdaptOrder(task, []int{0, 1, 2, 3, 4, 5, 6, 7, 8})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.AdaptOrder(task, rev)
	if err != nil {
		t.Fatal(err)
	}
	pa, _ := a.Probs(task.Query)
	pb, _ := b.Probs(task.Query)
	if d := maxDiff(pa.Data, pb.Data); d < 1e-4 {
		t.Errorf("MANN: the support order changed the probabilities by at most %.2g", d)
	}
	// Adapt's own order is fixed: the same task gives the same answer.
	if d := maxDiff(probs(m, task), probs(m, task)); d != 0 {
		t.Errorf("MANN: Adapt twice on one task differs by %.2g", d)
	}
	p, err := protonet.New(nn.NewConv4Params(rng), protonet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(probs(p, task), probs(p, permuted(task, rev))); d > 1e-6 {
		t.Errorf("ProtoNet: the support order changed the probabilities by %.2g", d)
	}
}

// TestSamplerShufflesLabels: package episode's sampler gives a class any
// label from one episode to the next (uniformly), which is the paper's
// label shuffling; Step therefore keeps the labels it is given by default.
func TestSamplerShufflesLabels(t *testing.T) {
	ds := &episodetest.Synthetic{Classes: 10, Items: 4, Channels: 1, Height: 28, Width: 28}
	split, err := episode.NewSplit("all", ds, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := episode.NewSampler(ds, split, episode.Config{Way: 5, Shot: 1, Query: 1}, rand.New(rand.NewPCG(7, 7)))
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 5) // labels given to class 0
	for range 4000 {
		ep := s.Sample()
		if i := slices.IndexFunc(ep.Classes, func(c episode.Class) bool { return c.Char == 0 }); i >= 0 {
			counts[i]++
		}
	}
	// Class 0 is drawn in half the episodes, each label with chance 1/5:
	// 400 ± 20 (one standard deviation) each.
	for l, c := range counts {
		if c < 320 || c > 480 {
			t.Errorf("class 0 got label %d in %d of 4000 episodes, want about 400 (counts %v)", l, c, counts)
		}
	}
}
