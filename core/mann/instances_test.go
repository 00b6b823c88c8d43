package mann

import (
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/tensor"
)

// TestInstanceCounts: episodes of 3 classes × 4 instances give 3 counts
// per episode at each presentation 1..4, and the accuracy at presentation
// n is what the network's probabilities at those steps say (checked
// against a step-by-step replay with AdaptOrder).
func TestInstanceCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	l, err := New(NewParams(smallConfig, rng), smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	tasks := []*learner.Task{learnertest.Task(rng, 3, 4, 0), learnertest.Task(rng, 3, 4, 0)}
	for _, task := range tasks {
		task.Query, task.QueryLabels = nil, nil
	}
	var got Instances
	if err := l.InstanceAccuracy(tasks, rand.New(rand.NewPCG(5, 5)), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Total) != 4 {
		t.Fatalf("%d presentations counted, want 4", len(got.Total))
	}
	for n, c := range got.Total {
		if c != 6 {
			t.Errorf("presentation %d: %d predictions, want 6 (3 classes × 2 episodes)", n+1, c)
		}
	}
	// Replay: the same orders, each prefix fed as a support sequence and
	// the next image classified as a query.
	order := rand.New(rand.NewPCG(5, 5))
	var want Instances
	for _, task := range tasks {
		ord := order.Perm(12)
		seen := make([]int, 3)
		for s, i := range ord {
			y := task.SupportLabels[i]
			seen[y]++
			var p []float32
			if s == 0 {
				p = firstStepProbs(t, l, task, i)
			} else {
				c, err := l.AdaptOrder(task, ord[:s])
				if err != nil {
					t.Fatal(err)
				}
				q, err := c.Probs(imageTensor(task, i))
				if err != nil {
					t.Fatal(err)
				}
				p = q.Data
			}
			want.add(seen[y], argmax(p) == y)
		}
	}
	for n := 1; n <= 4; n++ {
		if math.Abs(got.Acc(n)-want.Acc(n)) > 1e-12 {
			t.Errorf("accuracy at presentation %d: %v, replay %v", n, got.Acc(n), want.Acc(n))
		}
	}
}

// firstStepProbs returns the probabilities for image i of task as the
// first step of an episode (empty memory, no previous label).
func firstStepProbs(t *testing.T, l *Learner, task *learner.Task, i int) []float32 {
	t.Helper()
	n := l.net
	n.resize(1, 1)
	n.resetState()
	img, _ := image(task, i)
	l.setStep(n, 0, 0, img, -1, 0, 0)
	n.forward(task.Way)
	return append([]float32(nil), n.probs[:task.Way]...)
}

func imageTensor(task *learner.Task, i int) *tensor.Tensor {
	img, _ := image(task, i)
	return tensor.FromData(append([]float32(nil), img...), 1, 1, 28, 28)
}
