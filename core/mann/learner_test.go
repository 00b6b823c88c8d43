package mann

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// smallConfig is a MANN small enough for the shared suite: the paper's
// 20×20 input, 5 classes, 32 units, 16 slots of 8, 2 heads.
var smallConfig = Config{Classes: 5, Units: 32, Slots: 16, Width: 8, Heads: 2, LR: 3e-3}

// TestLearnerSuite runs the shared suite on a small MANN (the registered
// one runs it at the paper's size in core/algo/all). Its LearnsATask takes
// 8 steps on one task whose classes keep their labels, which a MANN can
// learn as a fixed image → label map; with PermuteLabels what there is to
// learn is binding labels in memory, which takes thousands of episodes
// (TestLearnsToBind).
func TestLearnerSuite(t *testing.T) {
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		return New(NewParams(smallConfig, rng), smallConfig)
	})
}

// TestStepAllocatesNothing: after a warm-up step, a training step (twelve
// 5-way episodes of 20 images in two chunks on two workers: forward,
// backpropagation through time, Adam) allocates nothing, with either label
// code (string labels draw each episode's strings into a reused buffer).
func TestStepAllocatesNothing(t *testing.T) {
	for _, labels := range []Labels{OneHot, String} {
		t.Run(labels.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			cfg := smallConfig
			cfg.Labels = labels
			pool := gemm.NewPool(2)
			defer pool.Close()
			l, err := NewParallel(NewParams(cfg, rng), cfg, pool)
			if err != nil {
				t.Fatal(err)
			}
			tasks := make([]*learner.Task, chunkSize+4) // two chunks, on two workers
			for i := range tasks {
				tasks[i] = learnertest.Task(rng, 5, 2, 2)
			}
			if _, err := l.Step(tasks); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(5, func() {
				if _, err := l.Step(tasks); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("a training step allocates %v times, want 0", allocs)
			}
		})
	}
}

// stepTasks returns n 5-way episodes of 15 images, their support labels
// drawn at random (the classes of an episode unbalanced, so that the
// accuracy of a network that answers one label for everything differs
// from episode to episode).
func stepTasks(rng *rand.Rand, n int) []*learner.Task {
	tasks := make([]*learner.Task, n)
	for i := range tasks {
		tasks[i] = learnertest.Task(rng, 5, 2, 1)
		for j := range tasks[i].SupportLabels {
			tasks[i].SupportLabels[j] = rng.IntN(5)
		}
	}
	return tasks
}

// A step cuts its meta-batch into chunks (here 8 + 8 + 3 episodes) and sums
// their gradients: the sum is the gradient of the whole meta-batch run as
// one batch by one network (to float32 rounding), and the parameters after
// three steps are the same bit for bit with one, two or three workers.
func TestStepChunks(t *testing.T) {
	const batch = 2*chunkSize + 3
	rng := rand.New(rand.NewPCG(3, 4))
	params := NewParams(smallConfig, rng)
	tasks := stepTasks(rng, batch)

	// The reference: every episode in one network, as Step fills it.
	ref, err := New(params.Clone(), smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	n := ref.net
	way, steps, err := ref.episodes(n, tasks)
	if err != nil {
		t.Fatal(err)
	}
	w := float32(1 / float64(steps*batch))
	for b, task := range tasks {
		ref.pcg.Seed(0, uint64(b))
		ref.shuffled(way, steps)
		prev := -1
		for s, i := range ref.ord {
			img, y := image(task, i)
			ref.setStep(n, s, b, img, prev, ref.perm[y], w)
			prev = ref.perm[y]
		}
	}
	wantLoss := n.forward(way)
	n.backward()

	l, err := New(params.Clone(), smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	m, err := l.Step(tasks)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.chunks) != 3 {
		t.Fatalf("%d chunks for %d episodes, want 3", len(l.chunks), batch)
	}
	if d := math.Abs(m.Loss - wantLoss); d > 1e-5*wantLoss {
		t.Errorf("loss %v, want %v (one network)", m.Loss, wantLoss)
	}
	if d := math.Abs(m.Acc - n.accuracy()); d > 1e-9 {
		t.Errorf("accuracy %v, want %v (one network)", m.Acc, n.accuracy())
	}
	for j := range ref.grads.Len() {
		name, g := ref.grads.At(j)
		var scale float64
		for _, v := range g.Data {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for k, v := range l.grads.Get(name).Data {
			if d := math.Abs(float64(v - g.Data[k])); d > 1e-4*scale+1e-7 {
				t.Fatalf("gradient of %s[%d]: %v from the chunks, %v from one network", name, k, v, g.Data[k])
			}
		}
	}

	run := func(par nn.Parallel) *tensor.Set {
		l, err := NewParallel(params.Clone(), smallConfig, par)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		for range 3 {
			if _, err := l.Step(stepTasks(rng, batch)); err != nil {
				t.Fatal(err)
			}
		}
		return l.Params()
	}
	one := run(nil)
	for _, threads := range []int{2, 3} {
		pool := gemm.NewPool(threads)
		got := run(pool)
		pool.Close()
		for j := range one.Len() {
			name, a := one.At(j)
			if !slices.Equal(a.Data, got.Get(name).Data) {
				t.Fatalf("%s after three steps differs between one worker and %d", name, threads)
			}
		}
	}
}
