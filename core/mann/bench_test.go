package mann

import (
	"math/rand/v2"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
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
