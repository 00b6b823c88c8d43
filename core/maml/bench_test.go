package maml

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
)

// BenchmarkStep times one meta-step of Finn et al.'s Omniglot setting (32
// tasks of 5-way 1-shot with one query per class, one inner step) with 1
// and 2 workers: the tasks run in parallel (learner.TaskPool).
// tasks/s = 32 / (ns/op · 1e-9).
func BenchmarkStep(b *testing.B) {
	for _, threads := range []int{1, 2} {
		if threads > runtime.NumCPU() {
			continue
		}
		b.Run(fmt.Sprintf("5w1s1q-x32/threads=%d", threads), func(b *testing.B) {
			pool := gemm.NewPool(threads)
			defer pool.Close()
			rng := rand.New(rand.NewPCG(1, 1))
			l, err := New(learner.NewHeadNetParams(rng, 5), Config{Par: pool})
			if err != nil {
				b.Fatal(err)
			}
			tasks := make([]*learner.Task, 32)
			for i := range tasks {
				tasks[i] = learnertest.Task(rng, 5, 1, 1)
			}
			for b.Loop() {
				if _, err := l.Step(tasks); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(tasks)*b.N)/b.Elapsed().Seconds(), "tasks/s")
		})
	}
}
