package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"metaglot/core/gemm"
)

// BenchmarkInferenceBlock times one inference block (convolution, folded
// bias, ReLU, pool) on a batch of 100 maps of Conv4's sizes: the first
// (1 → 64 channels, 28×28, im2col + gemm) and the others (64 → 64), direct (im2col + gemm + foldPool) against Winograd F(2×2, 3×3),
// one thread with the fastest gemm kernel.
func BenchmarkInferenceBlock(b *testing.B) {
	const c, n = Filters, 100
	ws := gemm.NewWorkspace()
	mm := func(_ int, transA, transB bool, m, nn, k int, alpha float32, a []float32, lda int, bb []float32, ldb int, beta float32, cc []float32, ldc int) {
		ws.Sgemm(transA, transB, m, nn, k, alpha, a, lda, bb, ldb, beta, cc, ldc)
	}
	e := engine[float32]{gemm: mm, par: Serial{}}
	rng := rand.New(rand.NewPCG(1, 1))
	b.Run("first-im2col/h=28", func(b *testing.B) {
		const h = ImageSize
		x, wt, bias := f32s(randSlice(rng, n*h*h)), f32s(randSlice(rng, c*9)), f32s(randSlice(rng, c))
		l := newConv3x3(e, 1, c)
		fp := foldPool[float32]{out: make([]float32, c*n*(h/2)*(h/2)), b: bias, c: c, n: n, h: h, w: h}
		l.epilogue = fp.chunk
		cpuLoop(b, func() { l.forward(nil, x, wt, nil, n, h, h) })
	})
	b.Run("first-direct/h=28", func(b *testing.B) {
		const h = ImageSize
		x, wt, bias := f32s(randSlice(rng, n*h*h)), f32s(randSlice(rng, c*9)), f32s(randSlice(rng, c))
		out := make([]float32, c*n*(h/2)*(h/2))
		f := newFirstPool(e)
		cpuLoop(b, func() { f.forward(out, x, wt, bias, n, false) })
	})
	b.Run("first-wino/h=28", func(b *testing.B) {
		const h = ImageSize
		x, wt, bias := f32s(randSlice(rng, n*h*h)), f32s(randSlice(rng, c*9)), f32s(randSlice(rng, c))
		out := make([]float32, newSplitShape(h/2, h/2).len(c*n))
		f := newFirstWino(e)
		cpuLoop(b, func() { f.forward(out, x, wt, bias, n, true) })
	})
	for _, h := range []int{14, 7, 3} {
		x, wt, bias := f32s(randSlice(rng, c*n*h*h)), f32s(randSlice(rng, c*c*9)), f32s(randSlice(rng, c))
		xs := toSplit(x, c, n, h, h)
		out := make([]float32, c*n*(h/2)*(h/2))
		outs := make([]float32, newSplitShape(h/2, h/2).len(c*n))
		b.Run(fmt.Sprintf("direct/h=%d", h), func(b *testing.B) {
			l := newConv3x3(e, c, c)
			fp := foldPool[float32]{out: out, b: bias, c: c, n: n, h: h, w: h}
			l.epilogue = fp.chunk
			cpuLoop(b, func() { l.forward(nil, x, wt, nil, n, h, h) })
		})
		for _, vec := range []bool{false, true} {
			name := "winograd-plain"
			if vec {
				if !haveVec4() {
					continue
				}
				name = "winograd-vec"
			}
			b.Run(fmt.Sprintf("%s/h=%d", name, h), func(b *testing.B) {
				l := newWinogradPool(e, c, c)
				l.vec, l.vecIn = vec, vec
				cpuLoop(b, func() {
					l.setFilters(wt)
					l.forward(outs, xs, bias, n, h, h, true)
				})
			})
		}
	}
}
