package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/gemm"
)

// TestWinogradMatchesDirect checks the Winograd F(2×2, 3×3) block against
// the direct one (im2col convolution with the foldPool epilogue) on the
// map sizes of Conv4 (14, 7, 3) and odd and even others, one image and
// several, with tile blocks that split unevenly: in float64 through
// NaiveGemm to 1e-12 of the output's scale, and in float32 through the
// gemm kernels to 1e-5. The input is given in the split layout; the output
// is checked both channel-major and in the split layout (padding zero).
func TestWinogradMatchesDirect(t *testing.T) {
	const cin, cout = 5, 6
	for _, hw := range [][2]int{{14, 14}, {7, 7}, {3, 3}, {6, 5}, {2, 9}} {
		for _, n := range []int{1, 3} {
			h, w := hw[0], hw[1]
			t.Run(fmt.Sprintf("%dx%d,n=%d", h, w, n), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(31, uint64(h*100+w*10+n)))
				x, wt, b := randSlice(rng, cin*n*h*w), randSlice(rng, cout*cin*9), randSlice(rng, cout)
				per := n * (h / 2) * (w / 2)
				want := make([]float64, cout*per)
				direct := newConv3x3(testEngine(2), cin, cout)
				fp := foldPool[float64]{out: want, b: b, c: cout, n: n, h: h, w: w}
				direct.epilogue = fp.chunk
				direct.forward(nil, x, wt, nil, n, h, w)

				xs := toSplit(x, cin, n, h, w)
				wg := newWinogradPool(testEngine(2), cin, cout)
				wg.tb = 4
				wg.setFilters(wt)
				got := make([]float64, len(want))
				wg.forward(got, xs, b, n, h, w, false)
				compare(t, "float64", got, want, 1e-12)
				osp := newSplitShape(h/2, w/2)
				gs := make([]float64, osp.len(cout*n))
				wg.forward(gs, xs, b, n, h, w, true)
				compare(t, "float64 split", fromSplit(gs, cout, n, h/2, w/2), want, 1e-12)
				checkPadding(t, gs, toSplit(fromSplit(gs, cout, n, h/2, w/2), cout, n, h/2, w/2))

				for _, k := range gemmKernels() {
					e := engine[float32]{gemm: k.gemm, par: splitPar(2)}
					wg := newWinogradPool(e, cin, cout)
					wg.setFilters(f32s(wt))
					got := make([]float32, len(want))
					wg.forward(got, f32s(xs), f32s(b), n, h, w, false)
					compare(t, "float32 "+k.name, f64s(got), want, 1e-5)
				}
			})
		}
	}
}

// checkPadding fails t unless the split buffer got equals want, the same
// maps written by toSplit: zero wherever no image value lies.
func checkPadding[T Float](t *testing.T, got, want []T) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("split buffer [%d] = %g, want %g (padding written?)", i, float64(got[i]), float64(want[i]))
		}
	}
}

// compare fails t unless got and want agree to tol times want's largest
// magnitude, and want is not all zeros (a test that could not fail).
func compare(t *testing.T, name string, got, want []float64, tol float64) {
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
			t.Fatalf("%s: out[%d] = %g, want %g (scale %g)", name, i, got[i], want[i], scale)
		}
	}
}

func f32s(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// TestWinogradPackedMatchesGemm checks the Winograd block with its filter
// matrices packed once (the packer Conv4 gives it) against the same block
// packing them on every product: the same kernel, so the same bits.
func TestWinogradPackedMatchesGemm(t *testing.T) {
	const cin, cout, n = 7, 9, 3
	for _, h := range []int{14, 7, 3} {
		rng := rand.New(rand.NewPCG(37, uint64(h)))
		x, wt, b := f32s(randSlice(rng, cin*n*h*h)), f32s(randSlice(rng, cout*cin*9)), f32s(randSlice(rng, cout))
		xs := toSplit(x, cin, n, h, h)
		ws := gemm.NewWorkspace()
		e := engine[float32]{gemm: func(_ int, transA, transB bool, m, nn, k int, alpha float32, a []float32, lda int, bb []float32, ldb int, beta float32, c []float32, ldc int) {
			ws.Sgemm(transA, transB, m, nn, k, alpha, a, lda, bb, ldb, beta, c, ldc)
		}, par: splitPar(2)}
		run := func(packed bool) []float32 {
			wg := newWinogradPool(e, cin, cout)
			wg.tb = 48
			if packed {
				wg.pk = wsPacker(func(int) *gemm.Workspace { return ws })
			}
			wg.setFilters(wt)
			out := make([]float32, cout*n*(h/2)*(h/2))
			wg.forward(out, xs, b, n, h, h, false)
			return out
		}
		want, got := run(false), run(true)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("h=%d: out[%d] = %g with packed filters, %g without", h, i, got[i], want[i])
			}
		}
	}
}

// TestWinogradVecMatchesPlain checks the Float32x4 transforms (and the
// eight-lane input transform with AVX2, the sixteen-lane output transform
// with AVX-512, on blocks of 40 tiles: two vectors and a scalar tail)
// against the plain-Go ones on the same float32 data: the same additions in the same
// order, so the outputs are equal (up to the sign of zero).
func TestWinogradVecMatchesPlain(t *testing.T) {
	if !haveVec4() {
		t.Skip("no Float32x4 kernels in this build (GOEXPERIMENT=simd, amd64 with AVX2 or wasm)")
	}
	const cin, cout = 4, 5
	for _, h := range []int{14, 7, 3, 10} {
		rng := rand.New(rand.NewPCG(33, uint64(h)))
		const n = 3
		x, wt, b := f32s(randSlice(rng, cin*n*h*h)), f32s(randSlice(rng, cout*cin*9)), f32s(randSlice(rng, cout))
		xs := toSplit(x, cin, n, h, h)
		for _, split := range []bool{false, true} {
			run := func(vec, wide bool) []float32 {
				wg := newWinogradPool(engine[float32]{gemm: NaiveGemm[float32], par: splitPar(2)}, cin, cout)
				wg.tb, wg.vec, wg.vecIn, wg.vec8, wg.v16 = 40, vec, vec, wide && haveVec8(), wide && haveFirst16()
				wg.setFilters(wt)
				out := make([]float32, cout*n*(h/2)*(h/2))
				if split {
					out = make([]float32, newSplitShape(h/2, h/2).len(cout*n))
				}
				wg.forward(out, xs, b, n, h, h, split)
				return out
			}
			want := run(false, false)
			for _, vec8 := range []bool{false, true} {
				if vec8 && !haveVec8() && !haveFirst16() {
					continue
				}
				got := run(true, vec8)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("h=%d split=%v vec8=%v: out[%d] = %g with vectors, %g plain", h, split, vec8, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestFirstPoolMatchesDirect checks the direct first block against im2col
// convolution with the foldPool epilogue: in float64 to 1e-12 of the
// output's scale, and in float32, plain, Float32x4 and AVX-512, to 1e-5.
func TestFirstPoolMatchesDirect(t *testing.T) {
	const n = 3
	rng := rand.New(rand.NewPCG(35, 36))
	x, wt, b := randSlice(rng, n*ImageSize*ImageSize), randSlice(rng, Filters*9), randSlice(rng, Filters)
	const h = ImageSize
	want := make([]float64, Filters*n*(h/2)*(h/2))
	direct := newConv3x3(testEngine(2), 1, Filters)
	fp := foldPool[float64]{out: want, b: b, c: Filters, n: n, h: h, w: h}
	direct.epilogue = fp.chunk
	direct.forward(nil, x, wt, nil, n, h, h)

	got := make([]float64, len(want))
	newFirstPool(testEngine(2)).forward(got, x, wt, b, n, false)
	compare(t, "float64", got, want, 1e-12)
	const ho = h / 2
	gs := make([]float64, newSplitShape(ho, ho).len(Filters*n))
	newFirstPool(testEngine(2)).forward(gs, x, wt, b, n, true)
	compare(t, "float64 split", fromSplit(gs, Filters, n, ho, ho), want, 1e-12)
	checkPadding(t, gs, toSplit(fromSplit(gs, Filters, n, ho, ho), Filters, n, ho, ho))
	for _, k := range []struct{ vec, v16 bool }{{false, false}, {true, false}, {false, true}} {
		if k.vec && !haveVec4() || k.v16 && !haveFirst16() {
			continue
		}
		f := newFirstPool(engine[float32]{gemm: NaiveGemm[float32], par: splitPar(2)})
		f.vec, f.v16 = k.vec, k.v16
		got := make([]float32, len(want))
		f.forward(got, f32s(x), f32s(wt), f32s(b), n, false)
		compare(t, fmt.Sprintf("float32 %+v", k), f64s(got), want, 1e-5)
		gs := make([]float32, newSplitShape(ho, ho).len(Filters*n))
		f.forward(gs, f32s(x), f32s(wt), f32s(b), n, true)
		compare(t, fmt.Sprintf("float32 split %+v", k), f64s(fromSplit(gs, Filters, n, ho, ho)), want, 1e-5)
		checkPadding(t, gs, toSplit(fromSplit(gs, Filters, n, ho, ho), Filters, n, ho, ho))
	}
}

// TestFirstWinoMatchesDirect checks block 0 by Winograd against im2col
// convolution with the foldPool epilogue (float64, 1e-12 of the output's
// scale; float32 1e-5), channel-major and split, and its Float32x4 form
// against the plain one bit for bit (up to the sign of zero).
func TestFirstWinoMatchesDirect(t *testing.T) {
	const n, h, ho = 3, ImageSize, ImageSize / 2
	rng := rand.New(rand.NewPCG(39, 40))
	x, wt, b := randSlice(rng, n*h*h), randSlice(rng, Filters*9), randSlice(rng, Filters)
	want := make([]float64, Filters*n*ho*ho)
	direct := newConv3x3(testEngine(2), 1, Filters)
	fp := foldPool[float64]{out: want, b: b, c: Filters, n: n, h: h, w: h}
	direct.epilogue = fp.chunk
	direct.forward(nil, x, wt, nil, n, h, h)

	got := make([]float64, len(want))
	newFirstWino(testEngine(2)).forward(got, x, wt, b, n, false)
	compare(t, "float64", got, want, 1e-12)
	gs := make([]float64, newSplitShape(ho, ho).len(Filters*n))
	newFirstWino(testEngine(2)).forward(gs, x, wt, b, n, true)
	compare(t, "float64 split", fromSplit(gs, Filters, n, ho, ho), want, 1e-12)
	checkPadding(t, gs, toSplit(fromSplit(gs, Filters, n, ho, ho), Filters, n, ho, ho))

	run := func(vec bool) []float32 {
		f := newFirstWino(engine[float32]{gemm: NaiveGemm[float32], par: splitPar(2)})
		f.vec = vec
		out := make([]float32, newSplitShape(ho, ho).len(Filters*n))
		f.forward(out, f32s(x), f32s(wt), f32s(b), n, true)
		return out
	}
	plain := run(false)
	compare(t, "float32 split", f64s(fromSplit(plain, Filters, n, ho, ho)), want, 1e-5)
	if !haveVec4() {
		return
	}
	vec := run(true)
	for i := range plain {
		if vec[i] != plain[i] {
			t.Fatalf("out[%d] = %g with Float32x4, %g plain", i, vec[i], plain[i])
		}
	}
}
