package learner

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"metaglot/core/tensor"
)

func TestInterleave(t *testing.T) {
	for _, tc := range []struct {
		labels []int
		way    int
		want   []int
	}{
		{[]int{0, 0, 1, 1, 2, 2}, 3, []int{0, 2, 4, 1, 3, 5}},
		{[]int{2, 1, 0, 0, 1, 2}, 3, []int{2, 1, 0, 3, 4, 5}},
		{[]int{0, 1, 0, 2, 0}, 3, []int{0, 1, 3, 2, 4}},
	} {
		if got := interleave(nil, tc.labels, tc.way); !slices.Equal(got, tc.want) {
			t.Errorf("interleave(%v, %d) = %v, want %v", tc.labels, tc.way, got, tc.want)
		}
	}
}

// batchTask is a way-way task of shot support images per class (class by
// class) and one query per class, of random pixels from rng.
func batchTask(rng *rand.Rand, way, shot int) *Task {
	x := tensor.New(way*shot, 1, 28, 28)
	q := tensor.New(way, 1, 28, 28)
	for _, d := range [][]float32{x.Data, q.Data} {
		for i := range d {
			d[i] = float32(rng.Float64())
		}
	}
	t := &Task{Way: way, Support: x, Query: q}
	for k := range way {
		for range shot {
			t.SupportLabels = append(t.SupportLabels, k)
		}
		t.QueryLabels = append(t.QueryLabels, k)
	}
	return t
}

// TestAdaptInBatches: each inner step of AdaptInBatches is an InnerStep on
// the next batch of the class-interleaved support set (wrapping around),
// then Finish on the whole set; a batch of 0 or of the whole set is
// Adapt, and a smaller one is not; a worker reused for another task
// adapts it as a fresh worker does.
func TestAdaptInBatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const way, shot, steps, batch, lr = 3, 4, 3, 6, 0.3
	meta, _ := randomNetAndImages(rng, way, 1)
	task := batchTask(rng, way, shot)
	for _, bn := range []BN{SupportBN, TransductiveBN} {
		worker := func() *TaskWorker { return Conv4.NewTaskPool(nil, bn).Single() }
		adapt := func(w *TaskWorker, task *Task, b int) *tensor.Set {
			t.Helper()
			fast, _, err := w.AdaptInBatches(meta, task, false, steps, lr, b)
			if err != nil {
				t.Fatal(err)
			}
			return fast.Clone()
		}
		full, err := func() (*tensor.Set, error) {
			fast, _, err := worker().Adapt(meta, task, false, steps, lr)
			if err != nil {
				return nil, err
			}
			return fast.Clone(), nil
		}()
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range []int{0, way * shot, 100} {
			if got := adapt(worker(), task, b); !equalSets(got, full) {
				t.Errorf("%v: batch %d differs from Adapt on the whole support set", bn, b)
			}
		}

		// The reference: InnerStep on the batches by hand.
		ref := worker()
		fast, grads, err := ref.Fast(meta, way)
		if err != nil {
			t.Fatal(err)
		}
		order := []int{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11} // class by class → interleaved
		for s := range steps {
			bx := tensor.New(batch, 1, 28, 28)
			by := make([]int, batch)
			for j := range batch {
				i := order[(s*batch+j)%len(order)]
				copy(bx.Data[j*784:(j+1)*784], task.Support.Data[i*784:(i+1)*784])
				by[j] = task.SupportLabels[i]
			}
			if _, err := ref.Net.InnerStep(fast, grads, bx, by, lr); err != nil {
				t.Fatal(err)
			}
		}
		if err := ref.Net.FinishAdapt(fast, task.Support); err != nil {
			t.Fatal(err)
		}
		w := worker()
		got := adapt(w, task, batch)
		if !equalSets(got, fast) {
			t.Errorf("%v: AdaptInBatches differs from InnerStep on the interleaved batches", bn)
		}
		if equalSets(got, full) {
			t.Errorf("%v: a batch of %d adapts as the whole support set does", bn, batch)
		}

		// Reused buffers: another task (more images, a batch that is not a
		// multiple of the way) on the same worker.
		other := batchTask(rng, way, 5)
		again := adapt(w, other, 4)
		if fresh := adapt(worker(), other, 4); !equalSets(again, fresh) {
			t.Errorf("%v: a reused worker adapts another task differently from a fresh one", bn)
		}
		if got2 := adapt(w, task, batch); !equalSets(got2, got) {
			t.Errorf("%v: the same task adapts differently the second time on a worker", bn)
		}
	}
}

// equalSets reports whether a and b hold the same names with the same
// values, bit for bit.
func equalSets(a, b *tensor.Set) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := range a.Len() {
		name, x := a.At(i)
		y := b.Get(name)
		if y == nil || !slices.Equal(x.Data, y.Data) {
			return false
		}
	}
	return true
}

// InnerLoop.Setup refuses what it does not know, naming it, and gives θ
// (without the head with ProtoHead), its trainable part sharing θ's memory
// and a pool whose networks change the chosen parameters.
func TestInnerLoopSetup(t *testing.T) {
	params := NewHeadNetParams(rand.New(rand.NewPCG(1, 1)), 3)
	for c, msg := range map[InnerLoop]string{
		{InnerParams: 9}: "unknown inner-loop parameters",
		{BN: 9}:          "unknown BatchNorm statistics",
		{Net: "conv6"}:   "conv6",
	} {
		if _, _, _, err := c.Setup(params); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Setup with %+v: %v, want %q", c, err, msg)
		}
	}
	meta, tr, pool, err := InnerLoop{ProtoHead: true, InnerParams: NoBNParams}.Setup(params)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Get("head.weight") != nil {
		t.Error("ProtoHead: θ keeps the head")
	}
	if tr.Len() >= meta.Len() || &tr.Get("encoder.0.0.weight").Data[0] != &meta.Get("encoder.0.0.weight").Data[0] {
		t.Error("the trainable set is not θ's tensors without the BatchNorm buffers")
	}
	if pool.Single().Net.InnerParams() != NoBNParams {
		t.Error("the pool's network does not have the setup's inner parameters")
	}
}
