package learner

import (
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/tensor"
)

// randomNetAndImages returns fresh HeadNet parameters with a way-way head
// and n images of uniform random pixels, all drawn from rng.
func randomNetAndImages(rng *rand.Rand, way, n int) (*tensor.Set, *tensor.Tensor) {
	p := NewHeadNetParams(rng, way)
	x := tensor.New(n, 1, 28, 28)
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	return p, x
}

// TestSupportStats: after SupportStats, an inference-mode pass normalizes
// the support images exactly as a training-mode pass of the same batch
// does, so each query later meets the statistics the support was adapted
// under.
func TestSupportStats(t *testing.T) {
	p, x := randomNetAndImages(rand.New(rand.NewPCG(1, 2)), 3, 6)
	n := NewHeadNet(nil)
	want, err := n.Logits(p, x, true)
	if err != nil {
		t.Fatal(err)
	}
	want = want.Clone()
	if err := n.SupportStats(p, x); err != nil {
		t.Fatal(err)
	}
	got, err := n.Logits(p, x, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-4*(1+math.Abs(float64(want.Data[i]))) {
			t.Fatalf("logit %d: %v with the support statistics, %v in training mode", i, got.Data[i], want.Data[i])
		}
	}
}

// TestProtoHeadRanksLikeDistances: the prototype head's logits differ from
// minus the squared distances to the prototypes by a per-row constant.
func TestProtoHeadRanksLikeDistances(t *testing.T) {
	p, x := randomNetAndImages(rand.New(rand.NewPCG(3, 4)), 2, 4)
	n := NewHeadNet(nil)
	if err := n.ProtoHead(p, x, []int{0, 0, 1, 1}); err != nil {
		t.Fatal(err)
	}
	emb, err := n.Embed(p, x, true)
	if err != nil {
		t.Fatal(err)
	}
	e := emb.Clone()
	logits, err := n.Logits(p, x, true)
	if err != nil {
		t.Fatal(err)
	}
	w := p.Get(HeadName + ".weight").Data
	for i := range 4 {
		var d [2]float64
		for k := range 2 {
			for j := range 64 {
				c := float64(w[k*64+j]) / 2
				v := float64(e.Data[i*64+j]) - c
				d[k] += v * v
			}
		}
		gotGap := float64(logits.Data[i*2] - logits.Data[i*2+1])
		wantGap := d[1] - d[0]
		if math.Abs(gotGap-wantGap) > 1e-3*(1+math.Abs(wantGap)) {
			t.Errorf("image %d: logit gap %v, distance gap %v", i, gotGap, wantGap)
		}
	}
	if err := n.ProtoHead(p, x, []int{0, 0, 0, 0}); err == nil {
		t.Error("ProtoHead with an empty class succeeded")
	}
}
