package mann

import (
	"math/rand/v2"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
)

// smallConfig is a MANN small enough for the shared suite: the paper's
// 20×20 input, 5 classes, 32 units, 16 slots of 8, 2 heads.
var smallConfig = Config{Classes: 5, Units: 32, Slots: 16, Width: 8, Heads: 2, LR: 3e-3}

// TestLearnerSuite runs the shared suite on a small MANN (the registered
// one runs it at the paper's size in core/algo/all). Its LearnsATask takes
// 8 steps on one task whose classes keep their labels, which a MANN can
// learn as a fixed image → label map; with PermuteLabels what there is to
// learn is binding labels in memory, which takes thousands of episodes
// (TestLearnsToBind).
func TestLearnerSuite(t *testing.T) {
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		return New(NewParams(smallConfig, rng), smallConfig)
	})
}

// TestStepAllocatesNothing: after a warm-up step, a training step (four
// 5-way episodes of 20 images: forward, backpropagation through time, Adam)
// allocates nothing, with either label code (string labels draw each
// episode's strings into a reused buffer).
func TestStepAllocatesNothing(t *testing.T) {
	for _, labels := range []Labels{OneHot, String} {
		t.Run(labels.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			cfg := smallConfig
			cfg.Labels = labels
			l, err := New(NewParams(cfg, rng), cfg)
			if err != nil {
				t.Fatal(err)
			}
			tasks := make([]*learner.Task, 4)
			for i := range tasks {
				tasks[i] = learnertest.Task(rng, 5, 2, 2)
			}
			if _, err := l.Step(tasks); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(5, func() {
				if _, err := l.Step(tasks); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("a training step allocates %v times, want 0", allocs)
			}
		})
	}
}
