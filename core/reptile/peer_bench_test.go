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

// BenchmarkPeerStep times one meta-step of the recipe `reptile-conv4` (metaglot
// recipes): a meta-batch of 5 tasks of 5-way 5-shot with 5 queries per
// class, 5 SGD steps of 0.1 each, from a random Conv4 with a 5-way head,
// with 1 and 2 workers (the tasks run in parallel, learner.TaskPool); and
// the same on conv4s2 (5w5s5q-x5-conv4s2). The same tasks are reused, as
// bench/peer_reptile.py (--net conv4s2) does for PyTorch, whose figure it
// is compared with. episodes/s = 5 / (ns/op · 1e-9).
func BenchmarkPeerStep(b *testing.B) {
	for _, nt := range []learner.Net{learner.Conv4, learner.Conv4S2} {
		for _, threads := range []int{1, 2} {
			if threads > runtime.NumCPU() {
				continue
			}
			suffix := ""
			if nt.Name != learner.Conv4.Name {
				suffix = "-" + nt.Name
			}
			b.Run(fmt.Sprintf("5w5s5q-x5%s/threads=%d", suffix, threads), func(b *testing.B) { benchPeerStep(b, nt, threads) })
		}
	}
}

// benchPeerStep is one BenchmarkPeerStep on nt with threads workers.
func benchPeerStep(b *testing.B, nt learner.Net, threads int) {
	const way, shot, query, metaBatch = 5, 5, 5, 5
	pool := gemm.NewPool(threads)
	defer pool.Close()
	rng := rand.New(rand.NewPCG(1, 1))
	l, err := New(nt.NewHeadNetParams(rng, way), Config{InnerSteps: 5, InnerLR: 0.1, Epsilon: 1, Net: nt.Name, Par: pool})
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
}
