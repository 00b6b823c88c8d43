package reptile

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
)

// BenchmarkThreads times recipe reptile-s2's meta-step (as
// BenchmarkInnerBatch, minibatches of 10) with 1 and 2 workers: the five
// tasks of the meta-batch spread over the workers (learner.TaskPool).
func BenchmarkThreads(b *testing.B) {
	const way, shot, query, metaBatch = 5, 10, 1, 5
	for _, threads := range []int{1, 2} {
		b.Run(strconv.Itoa(threads), func(b *testing.B) {
			pool := gemm.NewPool(threads)
			defer pool.Close()
			rng := rand.New(rand.NewPCG(1, 1))
			l, err := New(learner.Conv4S2.NewHeadNetParams(rng, way), Config{InnerSteps: 5, InnerLR: 0.1, InnerBatch: 10, Epsilon: 1,
				BN: learner.TransductiveBN, Net: "conv4s2", Par: pool})
			if err != nil {
				b.Fatal(err)
			}
			var tasks []*learner.Task
			for range metaBatch {
				tasks = append(tasks, learnertest.Task(rng, way, shot, query))
			}
			if _, err := l.Step(tasks); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := l.Step(tasks); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*metaBatch)/b.Elapsed().Seconds(), "episodes/s")
		})
	}
}
