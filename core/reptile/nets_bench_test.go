package reptile

import (
	"math/rand/v2"
	"testing"
	"time"

	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
)

// BenchmarkNets times BenchmarkPeerStep's meta-step (5 tasks of 5-way
// 5-shot with 5 queries per class, 5 SGD steps of 0.1 each) on one worker
// with each network, Conv4 and conv4s2, their steps interleaved so that
// both meet the same load on a shared machine. It reports the episodes/s
// of each and their ratio (conv4s2 over conv4).
func BenchmarkNets(b *testing.B) {
	const way, shot, query, metaBatch = 5, 5, 5, 5
	nets := []learner.Net{learner.Conv4, learner.Conv4S2}
	ls := make([]*Learner, len(nets))
	tasks := make([][]*learner.Task, len(nets))
	pool := gemm.NewPool(1)
	defer pool.Close()
	for i, nt := range nets {
		rng := rand.New(rand.NewPCG(1, 1))
		l, err := New(nt.NewHeadNetParams(rng, way), Config{InnerSteps: 5, InnerLR: 0.1, Epsilon: 1, Net: nt.Name, Par: pool})
		if err != nil {
			b.Fatal(err)
		}
		ls[i] = l
		for range metaBatch {
			tasks[i] = append(tasks[i], learnertest.Task(rng, way, shot, query))
		}
		if _, err := l.Step(tasks[i]); err != nil { // warm-up: buffers sized
			b.Fatal(err)
		}
	}
	spent := interleavedSteps(b, ls, tasks)
	n := float64(b.N * metaBatch)
	for i, nt := range nets {
		b.ReportMetric(n/spent[i].Seconds(), nt.Name+"-episodes/s")
	}
	b.ReportMetric(spent[0].Seconds()/spent[1].Seconds(), "conv4s2/conv4")
}

// BenchmarkInnerBatch times recipe reptile-s2's meta-step (conv4s2, 5 tasks
// of 5-way with 10 images per class in the inner loop and one query per
// class, 5 SGD steps of 0.1, transductive BatchNorm) on one worker with
// full-batch inner steps (all 50 images) and with Nichol et al.'s
// minibatches of 10 (Config.InnerBatch), interleaved as BenchmarkNets. It
// reports the episodes/s of each and their ratio (batches of 10 over full).
func BenchmarkInnerBatch(b *testing.B) {
	const way, shot, query, metaBatch = 5, 10, 1, 5
	batches := []int{0, 10}
	ls := make([]*Learner, len(batches))
	tasks := make([][]*learner.Task, len(batches))
	pool := gemm.NewPool(1)
	defer pool.Close()
	for i, batch := range batches {
		rng := rand.New(rand.NewPCG(1, 1))
		l, err := New(learner.Conv4S2.NewHeadNetParams(rng, way), Config{InnerSteps: 5, InnerLR: 0.1, InnerBatch: batch, Epsilon: 1,
			BN: learner.TransductiveBN, Net: "conv4s2", Par: pool})
		if err != nil {
			b.Fatal(err)
		}
		ls[i] = l
		for range metaBatch {
			tasks[i] = append(tasks[i], learnertest.Task(rng, way, shot, query))
		}
		if _, err := l.Step(tasks[i]); err != nil {
			b.Fatal(err)
		}
	}
	spent := interleavedSteps(b, ls, tasks)
	n := float64(b.N * metaBatch)
	b.ReportMetric(n/spent[0].Seconds(), "full-episodes/s")
	b.ReportMetric(n/spent[1].Seconds(), "batch10-episodes/s")
	b.ReportMetric(spent[0].Seconds()/spent[1].Seconds(), "batch10/full")
}

// interleavedSteps resets b's timer and runs b.N rounds of one Step of
// each learner ls[i] on its tasks[i], in turn, so that every learner meets
// the same load; it returns each learner's time spent in Step.
func interleavedSteps(b *testing.B, ls []*Learner, tasks [][]*learner.Task) []time.Duration {
	spent := make([]time.Duration, len(ls))
	b.ResetTimer()
	for range b.N {
		for i, l := range ls {
			start := time.Now()
			if _, err := l.Step(tasks[i]); err != nil {
				b.Fatal(err)
			}
			spent[i] += time.Since(start)
		}
	}
	return spent
}
