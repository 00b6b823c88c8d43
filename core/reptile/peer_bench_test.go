package reptile

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
)

// BenchmarkPeerStep times one meta-step of the recipe `reptile` (metaglot
// recipes): a meta-batch of 5 tasks of 5-way 5-shot with 5 queries per
// class, 5 SGD steps of 0.1 each, from a random Conv4 with a 5-way head,
// with 1 and 2 workers (the tasks run in parallel, learner.TaskPool). The
// same tasks are reused, as bench/peer_reptile.py does for PyTorch, whose
// figure it is compared with. episodes/s = 5 / (ns/op · 1e-9).
func BenchmarkPeerStep(b *testing.B) {
	const way, shot, query, metaBatch = 5, 5, 5, 5
	for _, threads := range []int{1, 2} {
		if threads > runtime.NumCPU() {
			continue
		}
		b.Run(fmt.Sprintf("5w5s5q-x5/threads=%d", threads), func(b *testing.B) {
			pool := gemm.NewPool(threads)
			defer pool.Close()
			rng := rand.New(rand.NewPCG(1, 1))
			l, err := New(learner.NewHeadNetParams(rng, way), Config{InnerSteps: 5, InnerLR: 0.1, Epsilon: 1, Par: pool})
			if err != nil {
				b.Fatal(err)
			}
			tasks := make([]*learner.Task, metaBatch)
			for i := range tasks {
				tasks[i] = learnertest.Task(rng, way, shot, query)
			}
			if _, err := l.Step(tasks); err != nil { // warm-up: buffers sized
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := l.Step(tasks); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(tasks)*b.N)/b.Elapsed().Seconds(), "episodes/s")
		})
	}
}
