package reptile

import (
	"math/rand/v2"
	"slices"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/nn"
)

func TestLearnerSuite(t *testing.T) {
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		return New(learner.NewHeadNetParams(rng, way), Config{InnerLR: 0.1, InnerSteps: 3, AdaptSteps: 5})
	})
}

func TestLearnerSuiteRunningBN(t *testing.T) {
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		p := learner.NewHeadNetParams(rng, way)
		if err := learnertest.LearnRunningStats(rng, p); err != nil {
			return nil, err
		}
		return New(p, Config{InnerLR: 0.1, InnerSteps: 3, AdaptSteps: 5, BN: learner.RunningBN})
	})
}

// With the prototype head, Reptile adapts (Adapt) like the plain learner,
// but its training signal vanishes once the head fits the support set (see
// Config.ProtoHead), so the suite's training checks do not apply.
func TestProtoHeadAdapts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	l, err := New(nn.NewConv4Params(rng), Config{InnerLR: 0.1, AdaptSteps: 5, ProtoHead: true})
	if err != nil {
		t.Fatal(err)
	}
	task := learnertest.Task(rng, 4, 2, 3)
	c, err := l.Adapt(task)
	if err != nil {
		t.Fatal(err)
	}
	if c.Way() != 4 {
		t.Errorf("Way() = %d, want 4", c.Way())
	}
	acc, err := learner.Accuracy(l, task)
	if err != nil {
		t.Fatal(err)
	}
	// Four distinct bar classes, two examples each: the prototype head
	// alone separates them.
	if acc < 0.9 {
		t.Errorf("accuracy %.2f on an easy 4-way task, want ≥ 0.9", acc)
	}
}

// TestNoAdapt: with AdaptSteps learner.NoAdapt, Adapt takes no SGD step,
// so the inner learning rate cannot matter; with one step it does.
func TestNoAdapt(t *testing.T) {
	probs := func(steps int, lr float64) []float32 {
		t.Helper()
		rng := rand.New(rand.NewPCG(4, 2))
		l, err := New(learner.NewHeadNetParams(rng, 3), Config{InnerLR: lr, AdaptSteps: steps})
		if err != nil {
			t.Fatal(err)
		}
		task := learnertest.Task(rng, 3, 2, 2)
		c, err := l.Adapt(task)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Probs(task.Query)
		if err != nil {
			t.Fatal(err)
		}
		return p.Data
	}
	if a, b := probs(learner.NoAdapt, 0.1), probs(learner.NoAdapt, 5); !slices.Equal(a, b) {
		t.Errorf("NoAdapt: the inner learning rate changed the probabilities: %v, %v", a, b)
	}
	if a, b := probs(1, 0.1), probs(1, 5); slices.Equal(a, b) {
		t.Errorf("one step: the inner learning rate did not change the probabilities: %v", a)
	}
	if _, err := New(learner.NewHeadNetParams(rand.New(rand.NewPCG(1, 1)), 3), Config{AdaptSteps: -2}); err == nil {
		t.Error("AdaptSteps -2 accepted")
	}
}

func TestSameForAnyWorkers(t *testing.T) {
	learnertest.SameForAnyWorkers(t, func(rng *rand.Rand, par nn.Parallel) (learner.Learner, error) {
		return New(learner.NewHeadNetParams(rng, 3), Config{InnerLR: 0.1, InnerSteps: 2, Par: par})
	})
}

func TestLearnerSuiteTransductiveBN(t *testing.T) {
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		return New(learner.NewHeadNetParams(rng, way), Config{InnerLR: 0.1, InnerSteps: 3, AdaptSteps: 5, BN: learner.TransductiveBN})
	})
}
