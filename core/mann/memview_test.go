package mann

import (
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/learner/learnertest"
)

// TestMemoryView: after a support sequence of two images, the slots the
// first image's step wrote to as least used (0..H−1: every usage was 0,
// ties go to the lower index) hold its class, the next H slots the
// second's, and the rest only the small weights σ·w^r of reading (under a
// quarter of a written slot's); each head's read weights of a query are a distribution.
func TestMemoryView(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	l, err := New(NewParams(smallConfig, rng), smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	task := learnertest.Task(rng, 2, 1, 1) // labels 0, 1
	c, err := l.AdaptOrder(task, []int{1, 0})
	if err != nil {
		t.Fatal(err)
	}
	class, weight := c.Slots()
	H, N := smallConfig.Heads, smallConfig.Slots
	if len(class) != N || len(weight) != N {
		t.Fatalf("%d classes and %d weights for %d slots", len(class), len(weight), N)
	}
	minWritten := float32(math.Inf(1))
	for i := range 2 * H {
		minWritten = min(minWritten, weight[i])
	}
	for i := range N {
		want := -1
		switch {
		case i < H:
			want = 1 // the first image shown is support image 1, class 1
		case i < 2*H:
			want = 0
		}
		if want >= 0 && (class[i] != want || weight[i] < 0.1) {
			t.Errorf("slot %d: class %d (weight %.3g), want class %d with a weight ≥ 0.1", i, class[i], weight[i], want)
		}
		if want < 0 && weight[i] > minWritten/4 {
			t.Errorf("slot %d: class %d with weight %.3g, want less than a quarter of the written slots' (%.3g): only the small weights of reading", i, class[i], weight[i], minWritten)
		}
	}
	wr, err := c.Read(task.Query.Data[:784])
	if err != nil {
		t.Fatal(err)
	}
	if len(wr) != H {
		t.Fatalf("%d heads, want %d", len(wr), H)
	}
	for h, w := range wr {
		var s float64
		for _, v := range w {
			s += float64(v)
		}
		if len(w) != N || math.Abs(s-1) > 1e-5 {
			t.Errorf("head %d: %d weights summing to %v, want %d summing to 1", h, len(w), s, N)
		}
	}
	if _, err := c.Read(make([]float32, 10)); err == nil {
		t.Error("Read of a 10-value image succeeded")
	}
}
