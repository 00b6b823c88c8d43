package protonet

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/tensor"
)

const (
	fdStep = 1e-6
	fdRel  = 1e-6
	fdAbs  = 1e-8
)

func randSlice(rng *rand.Rand, n int, scale float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = scale * rng.NormFloat64()
	}
	return x
}

func TestLossGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const way, shot, query, dim = 3, 2, 2, 4
	n := way * (shot + query)
	emb := randSlice(rng, n*dim, 0.7)
	var s Scratch[float64]
	loss := func() float64 {
		m, err := LossOf(&s, emb, n, dim, way, shot, query, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m.Loss
	}
	d := make([]float64, n*dim)
	m, err := LossOf(&s, emb, n, dim, way, shot, query, d)
	if err != nil {
		t.Fatal(err)
	}

	// The definition, spelled out: prototypes, softmax over −distances.
	var want float64
	correct := 0
	for q := 0; q < way*query; q++ {
		x := emb[(way*shot+q)*dim:][:dim]
		dist := make([]float64, way)
		for c := 0; c < way; c++ {
			for k := 0; k < dim; k++ {
				var mu float64
				for j := 0; j < shot; j++ {
					mu += emb[(c*shot+j)*dim+k] / shot
				}
				dist[c] += (x[k] - mu) * (x[k] - mu)
			}
		}
		var z float64
		best := 0
		for c, v := range dist {
			z += math.Exp(-v)
			if v < dist[best] {
				best = c
			}
		}
		want += (dist[q/query] + math.Log(z)) / (way * query)
		if best == q/query {
			correct++
		}
	}
	if math.Abs(m.Loss-want) > 1e-12 {
		t.Errorf("loss %g, want %g", m.Loss, want)
	}
	if wantAcc := float64(correct) / (way * query); m.Acc != wantAcc {
		t.Errorf("accuracy %g, want %g", m.Acc, wantAcc)
	}

	bad := 0
	for i := range emb {
		orig := emb[i]
		emb[i] = orig + fdStep
		lp := loss()
		emb[i] = orig - fdStep
		lm := loss()
		emb[i] = orig
		num := (lp - lm) / (2 * fdStep)
		if math.Abs(num-d[i]) > fdAbs+fdRel*math.Max(math.Abs(num), math.Abs(d[i])) {
			bad++
			t.Errorf("dEmb[%d]: analytic %.10g, numeric %.10g", i, d[i], num)
		}
	}
}

func TestLossBadInput(t *testing.T) {
	emb := tensor.New(10, 4)
	for _, c := range []struct {
		name             string
		emb, d           *tensor.Tensor
		way, shot, query int
		want             string
	}{
		{"rows", emb, nil, 2, 2, 2, "10×4 embeddings for a 2-way 2-shot 2-query"},
		{"one way", emb, nil, 1, 5, 5, "way ≥ 2"},
		{"grad shape", emb, tensor.New(10, 5), 2, 2, 3, "[10 5]"},
		{"not a matrix", tensor.New(40), nil, 2, 2, 3, "[40]"},
		{"nan", tensor.FromData(append([]float32{float32(math.NaN())}, make([]float32, 39)...), 10, 4), nil, 2, 2, 3, "NaN"},
	} {
		_, err := Loss(nil, c.emb, c.way, c.shot, c.query, c.d)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}
