package reptile

import (
	"math/rand/v2"
	"slices"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/nn"
)

// The shared suite with the registered settings runs in core/algo/all
// over every registered algorithm.

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

func TestNoAdapt(t *testing.T) {
	learnertest.NoAdaptTakesNoStep(t, func(rng *rand.Rand, steps int, lr float64) (learner.Learner, error) {
		return New(learner.NewHeadNetParams(rng, 3), Config{InnerLR: lr, AdaptSteps: steps})
	})
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

// TestInnerBatch: with Config.InnerBatch the inner steps take that many
// support images each (TaskWorker.AdaptInBatches): Reptile still passes
// the shared suite, gives the same θ for any number of workers, and its
// step differs from the full-batch one on the same weights and tasks (the
// setting is used); a negative batch is refused.
func TestInnerBatch(t *testing.T) {
	t.Run("Suite", func(t *testing.T) {
		learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
			return New(learner.NewHeadNetParams(rng, way), Config{InnerLR: 0.1, InnerSteps: 4, InnerBatch: way, AdaptSteps: 5, BN: learner.TransductiveBN})
		})
	})
	t.Run("SameForAnyWorkers", func(t *testing.T) {
		learnertest.SameForAnyWorkers(t, func(rng *rand.Rand, par nn.Parallel) (learner.Learner, error) {
			return New(learner.NewHeadNetParams(rng, 3), Config{InnerLR: 0.1, InnerSteps: 2, InnerBatch: 3, Par: par})
		})
	})
	t.Run("Used", func(t *testing.T) {
		theta := map[int][]float32{}
		for _, b := range []int{0, 3} {
			rng := rand.New(rand.NewPCG(9, 9))
			l, err := New(learner.NewHeadNetParams(rng, 3), Config{InnerLR: 0.1, InnerSteps: 2, InnerBatch: b})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Step([]*learner.Task{learnertest.Task(rng, 3, 3, 2), learnertest.Task(rng, 3, 3, 2)}); err != nil {
				t.Fatal(err)
			}
			theta[b] = slices.Clone(l.Params().Get(learner.HeadName + ".weight").Data)
		}
		if slices.Equal(theta[0], theta[3]) {
			t.Error("a step with inner batches of 3 of 9 images moves θ as the full-batch step does")
		}
	})
	t.Run("Negative", func(t *testing.T) {
		if _, err := New(learner.NewHeadNetParams(rand.New(rand.NewPCG(1, 1)), 3), Config{InnerBatch: -1}); err == nil {
			t.Error("InnerBatch -1 accepted")
		}
	})
}
