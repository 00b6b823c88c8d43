package nn_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"metaglot/core/gemm"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// goldenS2 is testdata/golden_conv4s2.json, written by
// testdata/gen_golden_conv4s2.py with PyTorch (float64 on float32-rounded
// parameters and images).
type goldenS2 struct {
	N, Stride   int
	Torch       string
	Train, Eval goldenS2Mode
}

type goldenS2Mode struct {
	// Params holds each parameter tensor's sum and first value, as
	// PyTorch saw them: the proof that goldenS2Params rebuilt them.
	Params map[string]struct{ Sum, First float64 }
	Emb    []float64
	// Dx is the gradient with respect to the images, n×1×28×28.
	Dx         []float64
	Grads      map[string][]float64
	GradAbsSum map[string]float64 `json:"grad_abs_sum"`
	Running    map[string][]float64
	RunningIn  map[string][]float64 `json:"running_in"`
}

// goldenS2Params returns the parameters gen_golden_conv4s2.py uses for
// mode: gen_golden.py's scheme on streams 5000 (train) and 6000 (eval).
func goldenS2Params(mode string, g *goldenS2Mode) *tensor.Set {
	p := &tensor.Set{}
	base := 5000
	if mode == "eval" {
		base = 6000
	}
	for i := range nn.Blocks {
		cin := 64
		if i == 0 {
			cin = 1
		}
		bound := 1 / math.Sqrt(float64(cin*9))
		b := base + 10*i
		pre := fmt.Sprintf("encoder.%d.", i)
		p.Add(pre+"0.weight", tensor.FromData(hashUniform(b, 64*cin*9, -bound, bound), 64, cin, 3, 3))
		p.Add(pre+"0.bias", tensor.FromData(hashUniform(b+1, 64, -bound, bound), 64))
		p.Add(pre+"1.weight", tensor.FromData(hashUniform(b+2, 64, 0.75, 1.25), 64))
		p.Add(pre+"1.bias", tensor.FromData(hashUniform(b+3, 64, -0.2, 0.2), 64))
		p.Add(pre+"1.running_mean", tensor.FromData(hashUniform(b+4, 64, -0.1, 0.1), 64))
		p.Add(pre+"1.running_var", tensor.FromData(hashUniform(b+5, 64, 0.5, 1.5), 64))
	}
	for name, v := range g.RunningIn {
		t := p.Get(name)
		for j := range t.Data {
			t.Data[j] = float32(v[j])
		}
	}
	return p
}

// s2Result is what one implementation computes for a golden mode.
type s2Result struct {
	emb, dx        []float64
	grads, running map[string][]float64
}

// runS2Of runs Conv4S2Of[T] (the code under Conv4S2) with gemm on p, x and
// dEmb, including the input gradient, which Conv4S2 does not expose.
func runS2Of[T nn.Float](mm nn.Gemm[T], par nn.Parallel, p *tensor.Set, x, dEmb []float32, n int, train bool) s2Result {
	conv := func(v []float32) []T {
		out := make([]T, len(v))
		for i, f := range v {
			out[i] = T(f)
		}
		return out
	}
	var bp [nn.Blocks]nn.BlockParams[T]
	var bg [nn.Blocks]nn.BlockGrads[T]
	for i := range bp {
		get := func(s string) []T { return conv(p.Get(fmt.Sprintf("encoder.%d.%s", i, s)).Data) }
		bp[i] = nn.BlockParams[T]{Weight: get("0.weight"), Bias: get("0.bias"), BNWeight: get("1.weight"),
			BNBias: get("1.bias"), RunningMean: get("1.running_mean"), RunningVar: get("1.running_var")}
		bg[i] = nn.BlockGrads[T]{Weight: make([]T, len(bp[i].Weight)), Bias: make([]T, 64),
			BNWeight: make([]T, 64), BNBias: make([]T, 64)}
	}
	m := nn.NewConv4S2Of(mm, par)
	emb := f64(m.Forward(&bp, conv(x), n, train))
	dx := make([]T, len(x))
	m.Backward(&bp, conv(dEmb), &bg, dx)
	r := s2Result{emb: emb, dx: f64(dx), grads: map[string][]float64{}, running: map[string][]float64{}}
	for i := range bp {
		pre := fmt.Sprintf("encoder.%d.", i)
		r.grads[pre+"0.weight"], r.grads[pre+"0.bias"] = f64(bg[i].Weight), f64(bg[i].Bias)
		r.grads[pre+"1.weight"], r.grads[pre+"1.bias"] = f64(bg[i].BNWeight), f64(bg[i].BNBias)
		r.running[pre+"1.running_mean"] = f64(bp[i].RunningMean)
		r.running[pre+"1.running_var"] = f64(bp[i].RunningVar)
	}
	return r
}

// TestGoldenConv4S2PyTorch compares Conv4S2 with PyTorch's
// nn.Sequential of [Conv2d(cin, 64, 3, stride=2, padding=1), BatchNorm2d,
// ReLU] ×4 and flatten(1) on 5 images, in training and inference mode:
// the embeddings, the gradients (parameters and images) for a fixed
// upstream gradient, and the running statistics after the training step.
//
// Tolerances, |got − want| ≤ rel·|want| + abs·scale (scale: the largest
// magnitude among the mode's gradients of the kind, or its embeddings), as
// TestGoldenPyTorch: float64 Conv4S2Of rel 1e-9, abs 1e-12 (PyTorch's
// arithmetic up to summation order); float32 (Conv4S2 on a 2-worker pool,
// and Conv4S2Of[float32] with the fast kernel for the image gradient) rel
// 1e-4, abs 1e-5 (values that are zero in exact arithmetic, such as the
// convolution biases' gradients in training mode, keep float32 noise).
func TestGoldenConv4S2PyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/golden_conv4s2.json")
	if err != nil {
		t.Fatal(err)
	}
	var g goldenS2
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("testdata/golden_conv4s2.json: %v", err)
	}
	n := g.N
	x := hashUniform(4001, n*nn.ImageSize*nn.ImageSize, 0, 1)
	dEmb := hashUniform(4002, n*nn.Conv4S2EmbeddingDim, -1, 1)
	pool := gemm.NewPool(2)
	defer pool.Close()
	for _, mode := range []string{"train", "eval"} {
		ref := &g.Train
		if mode == "eval" {
			ref = &g.Eval
		}
		train := mode == "train"
		var refGrads []float64
		for _, v := range ref.Grads {
			refGrads = append(refGrads, v...)
		}
		gradScale, dxScale, embScale := maxAbs(refGrads), maxAbs(ref.Dx), maxAbs(ref.Emb)

		// The parameters are PyTorch's.
		p := goldenS2Params(mode, ref)
		for name, want := range ref.Params {
			d := p.Get(name).Data
			var sum float64
			for _, v := range d {
				sum += float64(v)
			}
			if math.Abs(sum-want.Sum) > 1e-9*(1+math.Abs(want.Sum)) || math.Abs(float64(d[0])-want.First) > 1e-11*math.Abs(want.First) {
				t.Fatalf("%s %s: sum %.12g, first %.12g; PyTorch's %.12g, %.12g", mode, name, sum, d[0], want.Sum, want.First)
			}
		}
		if len(ref.Params) != 24 {
			t.Fatalf("%s: %d parameter checksums, want 24", mode, len(ref.Params))
		}

		ws := gemm.NewWorkspace()
		sgemm := func(_ int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
			ws.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}
		for _, prec := range []struct {
			name     string
			rel, abs float64
			run      func(p *tensor.Set) s2Result
		}{
			{"float32", 1e-4, 1e-5, func(p *tensor.Set) s2Result {
				m := nn.NewConv4S2(pool)
				q := p.Clone()
				emb, err := m.Forward(p, tensor.FromData(x, n, 1, nn.ImageSize, nn.ImageSize), train)
				if err != nil {
					t.Fatal(err)
				}
				grads := nn.Trainable(p).ZerosLike()
				if err := m.Backward(p, tensor.FromData(dEmb, n, nn.Conv4S2EmbeddingDim), grads); err != nil {
					t.Fatal(err)
				}
				r := s2Result{emb: f64(emb.Data), grads: map[string][]float64{}, running: map[string][]float64{}}
				for _, name := range grads.Names() {
					r.grads[name] = f64(grads.Get(name).Data)
				}
				for _, name := range p.Names() {
					if nn.IsBuffer(name) {
						r.running[name] = f64(p.Get(name).Data)
					}
				}
				// The image gradient from the same code with the fast
				// kernel, on the parameters before the step.
				r.dx = runS2Of(sgemm, nil, q, x, dEmb, n, train).dx
				return r
			}},
			{"float64", 1e-9, 1e-12, func(p *tensor.Set) s2Result {
				return runS2Of(nn.NaiveGemm[float64], nil, p, x, dEmb, n, train)
			}},
		} {
			t.Run(mode+"/"+prec.name, func(t *testing.T) {
				r := prec.run(goldenS2Params(mode, ref))
				c := &comparer{t: t, rel: prec.rel, abs: prec.abs}
				c.check("embeddings", r.emb, ref.Emb, embScale)
				c.check("image gradient", r.dx, ref.Dx, dxScale)
				if len(ref.Grads) != 16 {
					t.Errorf("%d parameter gradients in the reference, want 16", len(ref.Grads))
				}
				for name, want := range ref.Grads {
					got := r.grads[name]
					c.check(name+" gradient", strided(got, g.Stride), want, gradScale)
					c.check(name+" gradient Σ|g|", []float64{absSum(got)}, []float64{ref.GradAbsSum[name]}, gradScale)
				}
				if train && len(ref.Running) != 8 {
					t.Errorf("%d running statistics in the reference, want 8", len(ref.Running))
				}
				for name, want := range ref.Running {
					c.check(name+" after the step", r.running[name], want, 0)
				}
				t.Logf("worst relative error %.2g at %s", c.worst, c.worstName)
			})
		}
	}
}
