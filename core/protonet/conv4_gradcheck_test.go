package protonet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/nn"
)

// TestConv4ProtoNetGradient checks the gradient of the whole model — Conv4
// followed by the ProtoNet loss — against central finite differences, in
// float64, in both BatchNorm modes. A 2-way 2-shot 1-query episode of
// random 28×28 images. Checking every one of the ~113 000 parameters would
// take minutes, so each tensor is checked along random directions (the
// derivative along v is ∇L·v, so a wrong coordinate of any size shows up),
// and a few coordinates one by one as well.
// modelAbs is the absolute tolerance of the whole-model check: the loss
// (about 1 to 10) is a sum of some 10^7 rounded operations, so its
// central differences carry noise of order 1e-14·L/h ≈ 1e-7.
const modelAbs = 1e-6

func TestConv4ProtoNetGradient(t *testing.T) {
	const way, shot, query = 2, 2, 1
	n := way * (shot + query)
	for _, train := range []bool{true, false} {
		t.Run(fmt.Sprintf("train=%v", train), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(21, 22))
			var p [nn.Blocks]nn.BlockParams[float64]
			for i := range p {
				cin := 1
				if i > 0 {
					cin = nn.Filters
				}
				bound := 1 / math.Sqrt(float64(cin*9))
				u := func(k int, lo, hi float64) []float64 {
					x := make([]float64, k)
					for j := range x {
						x[j] = lo + (hi-lo)*rng.Float64()
					}
					return x
				}
				p[i] = nn.BlockParams[float64]{
					Weight: u(nn.Filters*cin*9, -bound, bound), Bias: u(nn.Filters, -bound, bound),
					BNWeight: u(nn.Filters, 0.5, 1.5), BNBias: u(nn.Filters, -0.5, 0.5),
					RunningMean: u(nn.Filters, -0.2, 0.2), RunningVar: u(nn.Filters, 0.5, 2),
				}
			}
			x := make([]float64, n*nn.ImageSize*nn.ImageSize)
			for i := range x {
				x[i] = rng.Float64()
			}
			m := nn.NewConv4Of(nn.NaiveGemm[float64], nil)
			var s Scratch[float64]
			loss := func() float64 {
				emb := m.Forward(&p, x, n, train)
				r, err := LossOf(&s, emb, n, nn.EmbeddingDim, way, shot, query, nil)
				if err != nil {
					t.Fatal(err)
				}
				return r.Loss
			}
			emb := m.Forward(&p, x, n, train)
			dEmb := make([]float64, len(emb))
			if _, err := LossOf(&s, emb, n, nn.EmbeddingDim, way, shot, query, dEmb); err != nil {
				t.Fatal(err)
			}
			var g [nn.Blocks]nn.BlockGrads[float64]
			for i := range g {
				g[i] = nn.BlockGrads[float64]{
					Weight: make([]float64, len(p[i].Weight)), Bias: make([]float64, nn.Filters),
					BNWeight: make([]float64, nn.Filters), BNBias: make([]float64, nn.Filters),
				}
			}
			m.Backward(&p, dEmb, &g)

			check := func(name string, x, grad, v []float64) {
				t.Helper()
				for i := range x {
					x[i] += fdStep * v[i]
				}
				lp := loss()
				for i := range x {
					x[i] -= 2 * fdStep * v[i]
				}
				lm := loss()
				for i := range x {
					x[i] += fdStep * v[i]
				}
				num := (lp - lm) / (2 * fdStep)
				var ana float64
				for i := range grad {
					ana += grad[i] * v[i]
				}
				if math.Abs(num-ana) > modelAbs+fdRel*math.Max(math.Abs(num), math.Abs(ana)) {
					t.Errorf("%s: analytic directional derivative %.10g, numeric %.10g", name, ana, num)
				}
			}
			for i := range p {
				tensors := []struct {
					name    string
					x, grad []float64
				}{
					{"weight", p[i].Weight, g[i].Weight}, {"bias", p[i].Bias, g[i].Bias},
					{"bn weight", p[i].BNWeight, g[i].BNWeight}, {"bn bias", p[i].BNBias, g[i].BNBias},
				}
				for _, tn := range tensors {
					v := make([]float64, len(tn.x))
					var norm float64
					for j := range v {
						v[j] = rng.NormFloat64()
						norm += v[j] * v[j]
					}
					for j := range v {
						v[j] /= math.Sqrt(norm)
					}
					check(fmt.Sprintf("block %d %s", i, tn.name), tn.x, tn.grad, v)
				}
			}
			// Coordinate by coordinate for a few small tensors.
			for _, c := range []struct {
				name    string
				x, grad []float64
			}{
				{"block 3 bn weight", p[3].BNWeight[:2], g[3].BNWeight[:2]},
				{"block 1 bn bias", p[1].BNBias[:2], g[1].BNBias[:2]},
				{"block 0 weight", p[0].Weight[:2], g[0].Weight[:2]},
				{"block 2 weight", p[2].Weight[:2], g[2].Weight[:2]},
			} {
				v := make([]float64, len(c.x))
				for j := range v {
					v[j] = 1
					check(fmt.Sprintf("%s[%d]", c.name, j), c.x, c.grad, v)
					v[j] = 0
				}
			}
		})
	}
}
