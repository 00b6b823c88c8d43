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
// and 2 workers: the tasks run in parallel (learner.TaskPool), on Conv4
// (5w1s1q-x32) and on conv4s2 (5w1s1q-x32-conv4s2, what
// bench/peer_fomaml.py --net conv4s2 compares with).
// tasks/s = 32 / (ns/op · 1e-9).
func BenchmarkStep(b *testing.B) {
	for _, nt := range []learner.Net{learner.Conv4, learner.Conv4S2} {
		for _, threads := range []int{1, 2} {
			if threads > runtime.NumCPU() {
				continue
			}
			suffix := ""
			if nt.Name != learner.Conv4.Name {
				suffix = "-" + nt.Name
			}
			b.Run(fmt.Sprintf("5w1s1q-x32%s/threads=%d", suffix, threads), func(b *testing.B) { benchStep(b, nt, threads) })
		}
	}
}

// benchStep is one BenchmarkStep on nt with threads workers.
func benchStep(b *testing.B, nt learner.Net, threads int) {
	pool := gemm.NewPool(threads)
	defer pool.Close()
	rng := rand.New(rand.NewPCG(1, 1))
	l, err := New(nt.NewHeadNetParams(rng, 5), Config{Net: nt.Name, Par: pool})
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
}
