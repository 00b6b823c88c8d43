package classify

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// meanEmbedder embeds an image as [mean of left half, mean of right half]:
// simple enough to compute probabilities by hand.
type meanEmbedder struct{ calls, images int }

func (m *meanEmbedder) Embed(x *tensor.Tensor) (*tensor.Tensor, error) {
	m.calls++
	n := x.Shape[0]
	m.images += n
	out := tensor.New(n, 2)
	for i := range n {
		img := x.Data[i*ImageLen : (i+1)*ImageLen]
		for r := range 28 {
			for c := range 28 {
				out.Data[i*2+c/14] += img[r*28+c] / (28 * 14)
			}
		}
	}
	return out, nil
}

// half returns an image inked with v on the left (side 0) or right half.
func half(side int, v float32) []float32 {
	img := make([]float32, ImageLen)
	for r := range 28 {
		for c := range 14 {
			img[r*28+side*14+c] = v
		}
	}
	return img
}

func TestClassifyByHand(t *testing.T) {
	m := &meanEmbedder{}
	p := NewProtoNet(m)
	support := [][][]float32{{half(0, 1), half(0, 0.5)}, {}, {half(1, 1)}}
	res, err := p.Classify(support, half(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	// Embeddings: class 0 prototype (0.75, 0), class 2 (0, 1), query (1, 0).
	// d0 = 0.0625, d2 = 2: p0 = 1/(1+e^{-(2-0.0625)}).
	want0 := 1 / (1 + math.Exp(-(2 - 0.0625)))
	if res.Best != 0 || math.Abs(res.Probs[0]-want0) > 1e-6 || math.Abs(res.Probs[2]-(1-want0)) > 1e-6 {
		t.Fatalf("got %+v, want p0 = %.6f", res, want0)
	}
	if !math.IsNaN(res.Probs[1]) {
		t.Errorf("empty class probability %v, want NaN", res.Probs[1])
	}
	// A second query embeds only the query.
	before := m.images
	if _, err := p.Classify(support, half(1, 1)); err != nil {
		t.Fatal(err)
	}
	if m.images-before != 1 {
		t.Errorf("second classification embedded %d images, want 1 (cache)", m.images-before)
	}
}

func TestWarm(t *testing.T) {
	m := &meanEmbedder{}
	p := NewProtoNet(m)
	imgs := [][]float32{half(0, 1), half(0, 0.5), half(1, 1), half(0, 1)} // one repeat
	for _, want := range []int{1, 0, 0} {
		left, err := p.Warm(imgs, 2)
		if err != nil || left != want {
			t.Fatalf("Warm left %d (%v), want %d", left, err, want)
		}
	}
	if m.images != 3 {
		t.Fatalf("embedded %d images, want the 3 distinct ones", m.images)
	}
	if _, err := p.Classify([][][]float32{imgs[:2], imgs[2:3]}, half(1, 0.2)); err != nil {
		t.Fatal(err)
	}
	if m.images != 4 {
		t.Errorf("after Warm, Classify embedded %d images, want only the query", m.images-3)
	}
}

func TestClassifyHints(t *testing.T) {
	p := NewProtoNet(&meanEmbedder{})
	if _, err := p.Classify(nil, half(0, 1)); !errors.Is(err, ErrNoClasses) {
		t.Errorf("no classes: %v", err)
	}
	if _, err := p.Classify([][][]float32{{}, {}}, half(0, 1)); !errors.Is(err, ErrNoClasses) {
		t.Errorf("classes without examples: %v", err)
	}
	if _, err := p.Classify([][][]float32{{half(0, 1)}}, make([]float32, ImageLen)); !errors.Is(err, ErrEmptyQuery) {
		t.Errorf("empty query: %v", err)
	}
	if _, err := p.Classify([][][]float32{{make([]float32, 5)}}, half(0, 1)); err == nil {
		t.Error("short image accepted")
	}
}

// TestConv4Prototypes checks the Conv4 path: with random weights, a query
// identical to one class's only example is nearest that class.
func TestConv4Prototypes(t *testing.T) {
	params := nn.NewConv4Params(rand.New(rand.NewPCG(1, 2)))
	p := NewProtoNet(NewConv4(params))
	rng := rand.New(rand.NewPCG(3, 4))
	support := make([][][]float32, 5)
	for c := range support {
		img := make([]float32, ImageLen)
		for i := range img {
			if rng.Float32() < 0.2 {
				img[i] = 1
			}
		}
		support[c] = [][]float32{img}
	}
	for c := range support {
		res, err := p.Classify(support, support[c][0])
		if err != nil {
			t.Fatal(err)
		}
		if res.Best != c {
			t.Errorf("query = example of class %d classified as %d (%v)", c, res.Best, res.Probs)
		}
		var sum float64
		for _, v := range res.Probs {
			sum += v
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("probabilities sum to %v", sum)
		}
	}
}

func BenchmarkClassify20Classes(b *testing.B) {
	params := nn.NewConv4Params(rand.New(rand.NewPCG(1, 2)))
	p := NewProtoNet(NewConv4(params))
	support := make([][][]float32, 20)
	for c := range support {
		support[c] = [][]float32{half(c%2, float32(c+1)/20), half(1-c%2, float32(c+1)/40)}
	}
	q := half(0, 0.7)
	for b.Loop() {
		if _, err := p.Classify(support, q); err != nil {
			b.Fatal(err)
		}
	}
}
