package mann

import (
	"math/rand/v2"
	"testing"
	"time"

	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// BenchmarkStep is one training step of the paper's setting: a meta-batch
// of 16 episodes of 5 classes × 10 instances (50 steps each), the paper's
// network (200 LSTM units, 128 slots of 40, 4 heads, 20×20 inputs).
func BenchmarkStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	cfg := Default(5)
	l, err := New(NewParams(cfg, rng), cfg)
	if err != nil {
		b.Fatal(err)
	}
	tasks := make([]*learner.Task, 16)
	for i := range tasks {
		tasks[i] = learnertest.Task(rng, 5, 10, 0)
		tasks[i].Query, tasks[i].QueryLabels = nil, nil
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
	b.ReportMetric(float64(b.N*len(tasks))/b.Elapsed().Seconds(), "episodes/s")
}

// BenchmarkAdapt feeds a 5-way 5-shot support set (25 steps) to the
// paper's network: what the page does when the drawn examples change.
func BenchmarkAdapt(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	cfg := Default(5)
	l, err := New(NewParams(cfg, rng), cfg)
	if err != nil {
		b.Fatal(err)
	}
	task := learnertest.Task(rng, 5, 5, 1)
	for b.Loop() {
		if _, err := l.Adapt(task); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProbs classifies one query after a 5-way 5-shot support set:
// what the page does after each stroke.
func BenchmarkProbs(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	cfg := Default(5)
	l, err := New(NewParams(cfg, rng), cfg)
	if err != nil {
		b.Fatal(err)
	}
	task := learnertest.Task(rng, 5, 5, 1)
	c, err := l.Adapt(task)
	if err != nil {
		b.Fatal(err)
	}
	one := tensor.FromData(task.Query.Data[:784], 1, 1, 28, 28)
	for b.Loop() {
		if _, err := c.Probs(one); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStep15Codes compares the two label codes on Santoro et al.'s
// 15-class setting (recipe mann-15 and mann-15-onehot): meta-batches of 16
// episodes of 15 classes × 10 instances (150 steps each), the paper's
// network. Each iteration takes one one-hot step and one string-label
// step, interleaved, so both see the same load; it reports each code's
// episodes/s and their ratio (string over one-hot).
func BenchmarkStep15Codes(b *testing.B) {
	var ls [2]*Learner
	var tasks [2][]*learner.Task
	for i, labels := range []Labels{OneHot, String} {
		rng := rand.New(rand.NewPCG(1, 1))
		cfg := Config{Classes: 15, Labels: labels}
		l, err := New(NewParams(cfg, rng), cfg)
		if err != nil {
			b.Fatal(err)
		}
		ls[i] = l
		for range 16 {
			t := learnertest.Task(rng, 15, 10, 0)
			t.Query, t.QueryLabels = nil, nil
			tasks[i] = append(tasks[i], t)
		}
		if _, err := l.Step(tasks[i]); err != nil {
			b.Fatal(err)
		}
	}
	spent := interleaved(b, func(i int) error {
		_, err := ls[i].Step(tasks[i])
		return err
	})
	eps := float64(b.N * 16)
	b.ReportMetric(eps/spent[0].Seconds(), "onehot-episodes/s")
	b.ReportMetric(eps/spent[1].Seconds(), "string-episodes/s")
	b.ReportMetric(spent[0].Seconds()/spent[1].Seconds(), "string/onehot")
}

// BenchmarkStepThreads is BenchmarkStep (the paper's meta-batch of 16
// episodes: two chunks) with one worker and with two, interleaved step by
// step so that both see the same machine; it reports each one's
// episodes/s and their ratio.
func BenchmarkStepThreads(b *testing.B) {
	pool := gemm.NewPool(2)
	defer pool.Close()
	var ls [2]*Learner
	rng := rand.New(rand.NewPCG(1, 1))
	cfg := Default(5)
	params := NewParams(cfg, rng)
	for i, par := range []nn.Parallel{nil, pool} {
		l, err := NewParallel(params.Clone(), cfg, par)
		if err != nil {
			b.Fatal(err)
		}
		ls[i] = l
	}
	tasks := make([]*learner.Task, 16)
	for i := range tasks {
		tasks[i] = learnertest.Task(rng, 5, 10, 0)
		tasks[i].Query, tasks[i].QueryLabels = nil, nil
	}
	for _, l := range ls {
		if _, err := l.Step(tasks); err != nil {
			b.Fatal(err)
		}
	}
	spent := interleaved(b, func(i int) error {
		_, err := ls[i].Step(tasks)
		return err
	})
	eps := float64(b.N * len(tasks))
	b.ReportMetric(eps/spent[0].Seconds(), "episodes/s-1thread")
	b.ReportMetric(eps/spent[1].Seconds(), "episodes/s-2threads")
	b.ReportMetric(spent[0].Seconds()/spent[1].Seconds(), "speedup")
}

// interleaved times two variants of a step, step(0) and step(1), one after
// the other b.N times, so that both see the same machine, and returns the
// time each took in all.
func interleaved(b *testing.B, step func(i int) error) [2]time.Duration {
	var spent [2]time.Duration
	b.ResetTimer()
	for range b.N {
		for i := range spent {
			start := time.Now()
			if err := step(i); err != nil {
				b.Fatal(err)
			}
			spent[i] += time.Since(start)
		}
	}
	return spent
}
