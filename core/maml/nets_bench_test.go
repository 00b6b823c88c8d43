package maml

import (
	"math/rand/v2"
	"testing"
	"time"

	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
)

// BenchmarkNets times BenchmarkStep's meta-step (32 tasks of 5-way 1-shot
// with one query per class, one inner step) on one worker with each
// network, Conv4 and conv4s2, their steps interleaved so that both meet
// the same load on a shared machine. It reports the tasks/s of each and
// their ratio (conv4s2 over conv4).
func BenchmarkNets(b *testing.B) {
	nets := []learner.Net{learner.Conv4, learner.Conv4S2}
	ls := make([]*Learner, len(nets))
	tasks := make([][]*learner.Task, len(nets))
	pool := gemm.NewPool(1)
	defer pool.Close()
	for i, nt := range nets {
		rng := rand.New(rand.NewPCG(1, 1))
		l, err := New(nt.NewHeadNetParams(rng, 5), Config{Net: nt.Name, Par: pool})
		if err != nil {
			b.Fatal(err)
		}
		ls[i] = l
		for range 32 {
			tasks[i] = append(tasks[i], learnertest.Task(rng, 5, 1, 1))
		}
		if _, err := l.Step(tasks[i]); err != nil { // warm-up: buffers sized
			b.Fatal(err)
		}
	}
	spent := make([]time.Duration, len(nets))
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
	n := float64(b.N * 32)
	for i, nt := range nets {
		b.ReportMetric(n/spent[i].Seconds(), nt.Name+"-tasks/s")
	}
	b.ReportMetric(spent[0].Seconds()/spent[1].Seconds(), "conv4s2/conv4")
}
