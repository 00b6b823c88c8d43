package learnertest

import (
	"math/rand/v2"
	"slices"
	"testing"

	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/nn"
)

// WorkerFactory returns a Learner over the parameters made from rng that
// spreads its work over par.
type WorkerFactory func(rng *rand.Rand, par nn.Parallel) (learner.Learner, error)

// SameForAnyWorkers checks that meta-training steps on meta-batches of
// several tasks leave bit-identical parameters with one worker and with
// three: the learner combines its tasks' results in task order, whichever
// worker computed them.
func SameForAnyWorkers(t *testing.T, f WorkerFactory) {
	t.Helper()
	run := func(par nn.Parallel) learner.Learner {
		l, err := f(rand.New(rand.NewPCG(7, 7)), par)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(8, 8))
		for step := range 3 {
			tasks := []*learner.Task{Task(rng, 3, 1, 2), Task(rng, 3, 2, 1), Task(rng, 3, 1, 1), Task(rng, 3, 1, 2), Task(rng, 3, 1, 1)}
			if _, err := l.Step(tasks); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		return l
	}
	pool := gemm.NewPool(3)
	defer pool.Close()
	one, three := run(nil).Params(), run(pool).Params()
	for i := range one.Len() {
		name, a := one.At(i)
		b := three.Get(name)
		for j := range a.Data {
			if a.Data[j] != b.Data[j] {
				t.Fatalf("%s[%d]: %v with one worker, %v with three", name, j, a.Data[j], b.Data[j])
			}
		}
	}
}

// AdaptFactory returns a Learner over a 3-way head network made from rng
// that adapts with the given test-time steps and inner learning rate.
type AdaptFactory func(rng *rand.Rand, steps int, lr float64) (learner.Learner, error)

// NoAdaptTakesNoStep checks learner.NoAdapt: with it, Adapt takes no SGD
// step, so the inner learning rate cannot matter; with one step it does;
// and a negative step count other than NoAdapt is refused.
func NoAdaptTakesNoStep(t *testing.T, f AdaptFactory) {
	t.Helper()
	probs := func(steps int, lr float64) []float32 {
		t.Helper()
		rng := rand.New(rand.NewPCG(4, 2))
		l, err := f(rng, steps, lr)
		if err != nil {
			t.Fatal(err)
		}
		task := Task(rng, 3, 2, 2)
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
	if _, err := f(rand.New(rand.NewPCG(1, 1)), -2, 0.1); err == nil {
		t.Error("AdaptSteps -2 accepted")
	}
}
