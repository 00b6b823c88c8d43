package learner

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// randomNetAndImages returns fresh HeadNet parameters with a way-way head
// and n images of uniform random pixels, all drawn from rng.
func randomNetAndImages(rng *rand.Rand, way, n int) (*tensor.Set, *tensor.Tensor) {
	return randomNetAndImagesOf(Conv4, rng, way, n)
}

// randomNetAndImagesOf is randomNetAndImages for the network nt.
func randomNetAndImagesOf(nt Net, rng *rand.Rand, way, n int) (*tensor.Set, *tensor.Tensor) {
	p := nt.NewHeadNetParams(rng, way)
	x := tensor.New(n, 1, 28, 28)
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	return p, x
}

// TestSupportStats: after SupportStats, an inference-mode pass normalizes
// the support images exactly as a training-mode pass of the same batch
// does, so each query later meets the statistics the support was adapted
// under. It runs on every network (a wrong Net.Sides fails it).
func TestSupportStats(t *testing.T) {
	for _, nt := range nets {
		t.Run(nt.Name, func(t *testing.T) { testSupportStats(t, nt) })
	}
}

func testSupportStats(t *testing.T, nt Net) {
	p, x := randomNetAndImagesOf(nt, rand.New(rand.NewPCG(1, 2)), 3, 6)
	n := nt.NewHeadNet(nil, SupportBN)
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
// minus the squared distances to the prototypes by a per-row constant,
// embeddings taken with the HeadNet's BatchNorm statistics, on every
// network.
func TestProtoHeadRanksLikeDistances(t *testing.T) {
	for _, nt := range nets {
		t.Run(nt.Name, func(t *testing.T) { testProtoHeadRanksLikeDistances(t, nt) })
	}
}

func testProtoHeadRanksLikeDistances(t *testing.T, nt Net) {
	for _, bn := range []BN{SupportBN, RunningBN} {
		p, x := randomNetAndImagesOf(nt, rand.New(rand.NewPCG(3, 4)), 2, 4)
		n := nt.NewHeadNet(nil, bn)
		if err := n.ProtoHead(p, x, []int{0, 0, 1, 1}); err != nil {
			t.Fatal(err)
		}
		emb, err := n.Embed(p, x, bn == SupportBN)
		if err != nil {
			t.Fatal(err)
		}
		e := emb.Clone()
		logits, err := n.Logits(p, x, bn == SupportBN)
		if err != nil {
			t.Fatal(err)
		}
		w := p.Get(HeadName + ".weight").Data
		for i := range 4 {
			var d [2]float64
			for k := range 2 {
				for j := range nt.Dim {
					c := float64(w[k*nt.Dim+j]) / 2
					v := float64(e.Data[i*nt.Dim+j]) - c
					d[k] += v * v
				}
			}
			gotGap := float64(logits.Data[i*2] - logits.Data[i*2+1])
			wantGap := d[1] - d[0]
			if math.Abs(gotGap-wantGap) > 1e-3*(1+math.Abs(wantGap)) {
				t.Errorf("%v: image %d: logit gap %v, distance gap %v", bn, i, gotGap, wantGap)
			}
		}
		if err := n.ProtoHead(p, x, []int{0, 0, 0, 0}); err == nil {
			t.Error("ProtoHead with an empty class succeeded")
		}
	}
}

// TestProtoHeadBackward checks by central differences the gradient of a
// query loss under a prototype head with respect to Conv4's weights: the
// path through the query embeddings (Loss) plus the path through the
// prototypes (ProtoHeadBackward). BatchNorm uses fixed running statistics
// (RunningBN), so the loss is a plain function of the weights. It runs on
// every network. On Conv4S2 the directions move the last block only: with
// no max-pool, its first blocks hold four times Conv4's ReLUs, and random
// directions through all of them cross kinks within h = 1e-5 in float32
// (the central differences then change by 10 % between h = 1e-5 and
// 3e-5); nn's TestConv4S2Gradient checks its whole backward pass in
// float64, and the path through the 256-d prototypes is what this checks.
func TestProtoHeadBackward(t *testing.T) {
	for _, nt := range nets {
		moved := ""
		if nt.Name == Conv4S2.Name {
			moved = "encoder.3."
		}
		t.Run(nt.Name, func(t *testing.T) { testProtoHeadBackward(t, nt, moved) })
	}
}

// testProtoHeadBackward is TestProtoHeadBackward on nt, along directions
// that move the tensors whose names start with moved ("": all).
func testProtoHeadBackward(t *testing.T, nt Net, moved string) {
	rng := rand.New(rand.NewPCG(7, 8))
	p, x := randomNetAndImagesOf(nt, rng, 3, 9)
	sup := tensor.FromData(x.Data[:6*784], 6, 1, 28, 28)
	qry := tensor.FromData(x.Data[6*784:], 3, 1, 28, 28)
	supLabels, qryLabels := []int{0, 0, 1, 1, 2, 2}, []int{2, 0, 1}
	n := nt.NewHeadNet(nil, RunningBN)
	// Running statistics of these images, as training would leave them.
	for range 30 {
		if _, err := n.Embed(p, x, true); err != nil {
			t.Fatal(err)
		}
	}
	loss := func(p *tensor.Set) float64 {
		if err := n.ProtoHead(p, sup, supLabels); err != nil {
			t.Fatal(err)
		}
		l, _, err := n.Loss(p, qry, qryLabels, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	grads := nn.Trainable(p).ZerosLike()
	loss(p)
	if _, _, err := n.Loss(p, qry, qryLabels, false, grads); err != nil {
		t.Fatal(err)
	}
	queryPath := grads.Clone()
	if err := n.ProtoHeadBackward(p.Clone(), sup, supLabels, grads, grads); err != nil {
		t.Fatal(err)
	}
	// Directional derivatives along random directions: single weights
	// would too often sit at a ReLU or max-pool kink, or move the float32
	// loss too little.
	dot := func(a, b *tensor.Set) float64 {
		var sum float64
		for i := range a.Len() {
			name, v := a.At(i)
			if name == HeadName+".weight" || name == HeadName+".bias" {
				continue // set by ProtoHead, not a free parameter
			}
			for j, x := range v.Data {
				sum += float64(x) * float64(b.Get(name).Data[j])
			}
		}
		return sum
	}
	const h = 1e-5
	for dir := range 3 {
		v := grads.ZerosLike()
		for i := range v.Len() {
			name, d := v.At(i)
			for j := range d.Data {
				d.Data[j] = float32(rng.NormFloat64())
				if !strings.HasPrefix(name, moved) {
					d.Data[j] = 0
				}
			}
		}
		step := func(sign float64) float64 {
			q := p.Clone()
			for i := range v.Len() {
				name, d := v.At(i)
				w := q.Get(name).Data
				for j, x := range d.Data {
					w[j] += float32(sign * h * float64(x))
				}
			}
			return loss(q)
		}
		num := (step(1) - step(-1)) / (2 * h)
		got, query := dot(grads, v), dot(queryPath, v)
		// Relative to the larger of the two paths: they may cancel.
		if math.Abs(got-num) > 0.02*math.Max(math.Abs(num), math.Abs(query)) {
			t.Errorf("direction %d: derivative %.6g, central difference %.6g (query path alone %.6g)", dir, got, num, query)
		}
		if math.Abs(query-num) < 0.1*math.Abs(num) {
			t.Errorf("direction %d: the query path alone gives %.6g, central difference %.6g: the test does not exercise the prototypes", dir, query, num)
		}
	}
}
