package learnertest

import (
	"math/rand/v2"
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
