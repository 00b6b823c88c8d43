package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/gemm"
	"metaglot/core/tensor"
)

// randBlockParams returns random parameters for Conv4Of with BatchNorm
// statistics away from their initial values, and signed BatchNorm weights,
// so that folding has work to do (a negative scale flips which value a
// window's maximum is).
func randBlockParams[T Float](rng *rand.Rand) *[Blocks]BlockParams[T] {
	r := func(n int, lo, hi float64) []T {
		x := make([]T, n)
		for i := range x {
			x[i] = T(lo + (hi-lo)*rng.Float64())
		}
		return x
	}
	var p [Blocks]BlockParams[T]
	for i := range p {
		b := 1 / math.Sqrt(float64(blockIn(i)*9))
		p[i] = BlockParams[T]{
			Weight: r(Filters*blockIn(i)*9, -b, b), Bias: r(Filters, -b, b),
			BNWeight: r(Filters, -1.5, 1.5), BNBias: r(Filters, -0.5, 0.5),
			RunningMean: r(Filters, -0.3, 0.3), RunningVar: r(Filters, 0.05, 2),
		}
	}
	return &p
}

// TestFoldedForwardMatchesUnfolded checks inference with BatchNorm folded
// into the convolutions (Embed) against the unfolded
// computation (conv → BatchNorm → ReLU → pool as training does it, in
// inference mode): in float64 through NaiveGemm to 1e-12, and in float32
// through every gemm kernel this machine runs to 2e-6 of the output's
// scale, for one image (the page's case) and a batch that several workers
// split into several chunks each.
func TestFoldedForwardMatchesUnfolded(t *testing.T) {
	for _, n := range []int{1, 7} {
		rng := rand.New(rand.NewPCG(21, uint64(n)))
		p64 := randBlockParams[float64](rng)
		x64 := make([]float64, n*ImageSize*ImageSize)
		for i := range x64 {
			x64[i] = rng.Float64()
		}
		check := func(name string, got, want []float64, tol float64) {
			t.Helper()
			var scale float64
			for _, v := range want {
				scale = math.Max(scale, math.Abs(v))
			}
			if scale == 0 {
				t.Fatalf("%s: all-zero reference", name)
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > tol*scale {
					t.Fatalf("%s n=%d: emb[%d] = %g, want %g (scale %g)", name, n, i, got[i], want[i], scale)
				}
			}
		}
		m := NewConv4Of(NaiveGemm[float64], splitPar(3))
		for i := range m.conv {
			m.conv[i].target = 2 * blockSize(i) * blockSize(i)
		}
		m.fconv.target = 2 * ImageSize * ImageSize
		for _, wg := range m.wino[1:] {
			wg.tb = 8 // several blocks per worker, the last one partial
		}
		got := append([]float64(nil), m.Embed(p64, x64, n)...)
		if !m.folded {
			t.Fatal("Embed did not take the folded path")
		}
		want := unfoldedEmbedding(m, p64, n)
		check("float64", got, want, 1e-12)

		p32 := toF32(p64)
		x32 := make([]float32, len(x64))
		for i, v := range x64 {
			x32[i] = float32(v)
		}
		for _, k := range gemmKernels() {
			m := NewConv4Of(k.gemm, splitPar(2))
			got := f64s(m.Embed(p32, x32, n))
			check("float32 "+k.name, got, want, 2e-6)
		}
	}
}

// unfoldedEmbedding runs m's blocks unfolded in inference mode on the input
// of its last Forward and returns the embeddings (n×64).
func unfoldedEmbedding(m *Conv4Of[float64], p *[Blocks]BlockParams[float64], n int) []float64 {
	m.forwardBlocks(p, n, false)
	out := m.in[Blocks]
	emb := make([]float64, n*EmbeddingDim)
	for c := 0; c < Filters; c++ {
		for s := 0; s < n; s++ {
			emb[s*EmbeddingDim+c] = out[c*n+s]
		}
	}
	return emb
}

// TestFoldedBackward checks that Backward after Embed gives exactly the gradients of the unfolded inference pass, and
// still passes the finite-difference check through the folded Forward.
func TestFoldedBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	const n = 2
	p := randBlockParams[float64](rng)
	x := make([]float64, n*ImageSize*ImageSize)
	for i := range x {
		x[i] = rng.Float64()
	}
	r := make([]float64, n*EmbeddingDim)
	for i := range r {
		r[i] = rng.NormFloat64()
	}
	grads := func() *[Blocks]BlockGrads[float64] {
		var g [Blocks]BlockGrads[float64]
		for i := range g {
			g[i] = BlockGrads[float64]{Weight: make([]float64, len(p[i].Weight)), Bias: make([]float64, Filters),
				BNWeight: make([]float64, Filters), BNBias: make([]float64, Filters)}
		}
		return &g
	}
	m := NewConv4Of(NaiveGemm[float64], splitPar(2))
	m.Embed(p, x, n)
	g := grads()
	m.Backward(p, r, g)

	// The reference: the unfolded inference forward, then Backward.
	ref := NewConv4Of(NaiveGemm[float64], splitPar(2))
	ref.reserve(n)
	ref.n = n
	copy(ref.in[0], x)
	ref.forwardBlocks(p, n, false)
	gr := grads()
	ref.Backward(p, r, gr)
	for i := range g {
		for _, f := range []struct {
			name      string
			got, want []float64
		}{{"weight", g[i].Weight, gr[i].Weight}, {"bias", g[i].Bias, gr[i].Bias}, {"bn weight", g[i].BNWeight, gr[i].BNWeight}, {"bn bias", g[i].BNBias, gr[i].BNBias}} {
			for j := range f.want {
				if f.got[j] != f.want[j] {
					t.Fatalf("block %d %s[%d] = %g after a folded Forward, %g after the unfolded one", i, f.name, j, f.got[j], f.want[j])
				}
			}
		}
	}
	// Finite differences through the folded Forward, on the last block's
	// BatchNorm weights (the parameters folding touches most).
	loss := func() float64 { return dot(m.Embed(p, x, n), r) }
	checkGrad(t, "block 3 bn weight", p[3].BNWeight, g[3].BNWeight, loss)
	checkGrad(t, "block 3 bias", p[3].Bias, g[3].Bias, loss)
}

// TestFoldPoolMatchesLayers checks the folded epilogue against BatchNorm
// (inference), ReLU and max-pool as separate layers on odd plane sizes,
// with the samples split into chunks.
func TestFoldPoolMatchesLayers(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const c, n, h, w = 3, 5, 7, 6
	m, ho, wo := n*h*w, h/2, w/2
	z := randSlice(rng, c*m)
	gamma, beta, rm := randSlice(rng, c), randSlice(rng, c), randSlice(rng, c)
	rv := make([]float64, c)
	for i := range rv {
		rv[i] = 0.5 + rng.Float64()
	}
	// The layers, on z scaled as the folded convolution would give it.
	y, mean, invstd := make([]float64, c*m), make([]float64, c), make([]float64, c)
	bnForward(y, z, gamma, beta, rm, rv, mean, invstd, c, m, false)
	reluForward(y, y)
	want, arg := make([]float64, c*n*ho*wo), make([]int32, c*n*ho*wo)
	maxPoolForward(want, arg, y, c*n, h, w)

	w1 := make([]float64, c) // weights of a 1×1 "convolution": z itself
	for i := range w1 {
		w1[i] = 1
	}
	w2, b2 := make([]float64, c), make([]float64, c)
	foldBN(w2, b2, w1, make([]float64, c), gamma, beta, rm, rv, c, 1)
	got := make([]float64, len(want))
	f := foldPool[float64]{out: got, b: b2, c: c, n: n, h: h, w: w}
	for s0 := 0; s0 < n; s0 += 2 {
		s1 := min(n, s0+2)
		zc := make([]float64, c*(s1-s0)*h*w)
		for ch := 0; ch < c; ch++ {
			for i := range (s1 - s0) * h * w {
				zc[ch*(s1-s0)*h*w+i] = w2[ch] * z[ch*m+s0*h*w+i]
			}
		}
		f.chunk(zc, (s1-s0)*h*w, s0, s1)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
			t.Fatalf("out[%d] = %g, want %g", i, got[i], want[i])
		}
	}
}

type namedGemm struct {
	name string
	gemm Gemm[float32]
}

// gemmKernels returns a float32 Gemm per kernel of package gemm this
// machine runs (through a Workspace each) and the default one.
func gemmKernels() []namedGemm {
	ws := gemm.NewWorkspace()
	return []namedGemm{{ws.Kernel(), func(_ int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		ws.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}}, {"naive", NaiveGemm[float32]}}
}

func toF32(p *[Blocks]BlockParams[float64]) *[Blocks]BlockParams[float32] {
	c := func(x []float64) []float32 {
		y := make([]float32, len(x))
		for i, v := range x {
			y[i] = float32(v)
		}
		return y
	}
	var q [Blocks]BlockParams[float32]
	for i, b := range p {
		q[i] = BlockParams[float32]{c(b.Weight), c(b.Bias), c(b.BNWeight), c(b.BNBias), c(b.RunningMean), c(b.RunningVar)}
	}
	return &q
}

func f64s(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// TestEmbedRefoldsChangedParams checks Embed's cache of folded weights:
// the same parameters, unchanged, are folded once; any of the 24 tensors
// changed in place (the same Set, the same slices, as training and the
// page's loads do) is seen, and the embeddings equal those of a fresh
// Conv4 bit for bit. A cache keyed on the Set or its slices would give the
// old embeddings here.
func TestEmbedRefoldsChangedParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	p := NewConv4Params(rng)
	for _, name := range p.Names() {
		d := p.Get(name).Data
		for i := range d {
			d[i] += float32(0.3 * rng.Float64())
		}
	}
	x := tensor.New(5, 1, ImageSize, ImageSize)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	m := NewConv4(nil)
	embed := func(m *Conv4) []float32 {
		t.Helper()
		e, err := m.Embed(p, x)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), e.Data...)
	}
	equal := func(a, b []float32) bool {
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return false
			}
		}
		return true
	}
	prev := embed(m)
	if again := embed(m); !equal(again, prev) || m.core.folds != 1 {
		t.Fatalf("unchanged parameters: %d folds (want 1), same embeddings %v", m.core.folds, equal(again, prev))
	}
	for _, name := range p.Names() {
		d := p.Get(name).Data
		for i := range d {
			d[i] = 1.1*d[i] + 0.05
		}
		folds := m.core.folds
		got, want := embed(m), embed(NewConv4(nil))
		if !equal(got, want) {
			t.Fatalf("after changing %s in place: embeddings differ from a fresh Conv4's", name)
		}
		if equal(got, prev) {
			t.Fatalf("changing %s did not change the embeddings: the test cannot see a stale cache", name)
		}
		if m.core.folds != folds+1 {
			t.Fatalf("changing %s: %d folds, want %d", name, m.core.folds, folds+1)
		}
		prev = got
	}
}

// TestEmbedBatchSizes checks one Conv4 embedding batches of changing size
// (its split maps are grown once and reused, never cleared) against a
// fresh Conv4 per batch, bit for bit.
func TestEmbedBatchSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	p := NewConv4Params(rng)
	x := tensor.New(9, 1, ImageSize, ImageSize)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	m := NewConv4(nil)
	for _, n := range []int{5, 1, 9, 3, 9} {
		xn := &tensor.Tensor{Shape: []int{n, 1, ImageSize, ImageSize}, Data: x.Data[(9-n)*ImageSize*ImageSize:]}
		got, err := m.Embed(p, xn)
		if err != nil {
			t.Fatal(err)
		}
		want, err := NewConv4(nil).Embed(p, xn)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want.Data {
			if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
				t.Fatalf("batch of %d: embedding[%d] = %g, a fresh Conv4 gives %g", n, i, got.Data[i], want.Data[i])
			}
		}
	}
}
