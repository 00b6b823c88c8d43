package mann

import (
	"math/rand/v2"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
)

// TestLearnsToBind: with the labels permuted in every episode (no class
// keeps a label), a small MANN learns within a few hundred steps to answer
// a class's later presentations from what the episode showed it: its
// accuracy from the second presentation on rises from chance (1/3; 0.35
// before) to 0.78, which no fixed image → label map can reach.
func TestLearnsToBind(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	cfg := smallConfig
	cfg.PermuteLabels = true
	cfg.LR = 3e-3
	rng := rand.New(rand.NewPCG(21, 21))
	l, err := New(NewParams(cfg, rng), cfg)
	if err != nil {
		t.Fatal(err)
	}
	const way, inst, batch = 3, 4, 8
	tasks := func() []*learner.Task {
		ts := make([]*learner.Task, batch)
		for i := range ts {
			ts[i] = learnertest.Task(rng, way, inst, 0)
			ts[i].Query, ts[i].QueryLabels = nil, nil
		}
		return ts
	}
	measure := func() float64 {
		var s Instances
		for range 8 {
			if err := l.InstanceAccuracy(tasks(), rng, &s); err != nil {
				t.Fatal(err)
			}
		}
		var c, n int
		for k := 1; k < len(s.Total); k++ {
			c, n = c+s.Correct[k], n+s.Total[k]
		}
		return float64(c) / float64(n)
	}
	before := measure()
	for i := range 400 {
		if _, err := l.Step(tasks()); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	after := measure()
	t.Logf("accuracy from the 2nd presentation on: %.3f before, %.3f after 400 steps (chance 0.333)", before, after)
	if after < 0.6 {
		t.Errorf("accuracy from the 2nd presentation on is %.3f after training, want ≥ 0.6 (chance 1/3)", after)
	}
}
