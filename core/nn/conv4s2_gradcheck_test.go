package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvS2Gradient checks the stride-2 convolution against the
// definition of a convolution (stride 2, padding 1 on every side) on even
// and odd sizes, and its weight and input gradients against central
// differences, with several workers and chunks.
func TestConvS2Gradient(t *testing.T) {
	for _, c := range []struct{ cin, cout, h, w int }{{2, 3, 5, 4}, {1, 12, 7, 7}, {3, 2, 4, 6}, {1, 2, 14, 14}} {
		t.Run(fmt.Sprintf("cin=%d,cout=%d,%dx%d", c.cin, c.cout, c.h, c.w), func(t *testing.T) {
			testConvS2Gradient(t, c.cin, c.cout, c.h, c.w)
		})
	}
}

func testConvS2Gradient(t *testing.T, cin, cout, h, w int) {
	rng := rand.New(rand.NewPCG(21, 22))
	const n = 5
	ho, wo := s2Out(h), s2Out(w)
	if want := (h+2-3)/2 + 1; ho != want {
		t.Fatalf("s2Out(%d) = %d, want %d", h, ho, want)
	}
	x := randSlice(rng, cin*n*h*w)
	wt := randSlice(rng, cout*cin*9)
	r := randSlice(rng, cout*n*ho*wo)
	l := newConvS2(testEngine(2), cin, cout)
	l.target = 2 * ho * wo // chunks of two samples: several per worker
	l.stats = true
	// The loss Σ z·r has dZ = r, which fillDZ hands out chunk by chunk.
	l.fillDZ = func(dz []float64, ld, s0, s1 int) {
		cols := (s1 - s0) * ho * wo
		for co := 0; co < cout; co++ {
			copy(dz[co*ld:][:cols], r[(co*n+s0)*ho*wo:][:cols])
		}
	}
	z := make([]float64, cout*n*ho*wo)
	xph := make([]float64, phaseLen(cin, n, h, w)) // convS2 reads the phase layout
	loss := func() float64 {
		toPhases(xph, x, cin, n, h, w)
		l.forward(z, xph, wt, n, h, w)
		return dot(z, r)
	}
	loss()
	for co := 0; co < cout; co++ {
		var s, ss float64
		for _, v := range z[co*n*ho*wo : (co+1)*n*ho*wo] {
			s, ss = s+v, ss+v*v
		}
		if math.Abs(l.sum[co]-s) > 1e-12*(1+math.Abs(s)) || math.Abs(l.sq[co]-ss) > 1e-12*(1+ss) {
			t.Errorf("channel %d sums %g, %g; want %g, %g", co, l.sum[co], l.sq[co], s, ss)
		}
	}
	for co := 0; co < cout; co++ {
		for s := 0; s < n; s++ {
			for y := 0; y < ho; y++ {
				for xx := 0; xx < wo; xx++ {
					var want float64
					for ci := 0; ci < cin; ci++ {
						for kh := 0; kh < 3; kh++ {
							for kw := 0; kw < 3; kw++ {
								sy, sx := 2*y+kh-1, 2*xx+kw-1
								if sy >= 0 && sy < h && sx >= 0 && sx < w {
									want += wt[((co*cin+ci)*3+kh)*3+kw] * x[((ci*n+s)*h+sy)*w+sx]
								}
							}
						}
					}
					if got := z[((co*n+s)*ho+y)*wo+xx]; math.Abs(got-want) > 1e-12 {
						t.Fatalf("z[%d,%d,%d,%d] = %g, want %g", co, s, y, xx, got, want)
					}
				}
			}
		}
	}
	dx, dw := make([]float64, len(x)), make([]float64, len(wt))
	for i := range dx {
		dx[i] = math.NaN() // every entry must be written
	}
	loss()
	l.backward(dx, dw, xph, wt, n, h, w)
	checkGrad(t, "dx", x, dx, loss)
	checkGrad(t, "dw", wt, dw, loss)
}

// TestBNReluMatchesLayers checks that the fused BatchNorm → ReLU kernel of
// Conv4S2 computes what bnForward and reluForward do, forward (including
// the running statistics) and backward (including Σdz, the bias
// gradient), in both modes, with and without a bias folded in.
func TestBNReluMatchesLayers(t *testing.T) {
	for _, mode := range []struct{ train, bias, sums bool }{{true, false, false}, {false, false, false}, {true, true, true}, {false, true, false}} {
		train := mode.train
		rng := rand.New(rand.NewPCG(23, 24))
		const c, n, hw = 3, 2, 7
		m := n * hw
		z := randSlice(rng, c*m)
		gamma, beta := randSlice(rng, c), randSlice(rng, c)
		rm, rv := randSlice(rng, c), make([]float64, c)
		for i := range rv {
			rv[i] = 0.5 + rng.Float64()
		}
		rm2, rv2 := append([]float64(nil), rm...), append([]float64(nil), rv...)
		dout := randSlice(rng, c*m)
		var bias []float64
		zb := append([]float64(nil), z...)
		if mode.bias {
			bias = randSlice(rng, c)
			for i := range zb {
				zb[i] += bias[i/m]
			}
		}
		var sum, sq []float64
		if mode.sums {
			sum, sq = make([]float64, c), make([]float64, c)
			for i, v := range z {
				sum[i/m] += v
				sq[i/m] += v * v
			}
		}

		want, mean, invstd := make([]float64, c*m), make([]float64, c), make([]float64, c)
		bnForward(want, zb, gamma, beta, rm, rv, mean, invstd, c, m, train)
		reluForward(want, want)
		dy := make([]float64, c*m)
		reluBackward(dy, dout, want)
		wantDz, wantDg, wantDb := make([]float64, c*m), make([]float64, c), make([]float64, c)
		bnBackward(wantDz, wantDg, wantDb, dy, zb, gamma, mean, invstd, c, m, train)
		wantSum := make([]float64, c)
		for i, v := range wantDz {
			wantSum[i/m] += v
		}

		f := newBNRelu(testEngine(2), c)
		got := make([]float64, c*m)
		f.forward(got, z, bias, sum, sq, gamma, beta, rm2, rv2, n, 1, hw, false, train)
		dz, dg, db, dzSum := make([]float64, c*m), make([]float64, c), make([]float64, c), make([]float64, c)
		f.prepare(dg, db, dzSum, dout, z, gamma, n, hw)
		f.fill(dz[:], m, 0, 1) // two calls, as two chunks
		part := make([]float64, c*hw)
		f.fill(part, hw, 1, 2)
		for ch := 0; ch < c; ch++ {
			copy(dz[ch*m+hw:][:hw], part[ch*hw:][:hw])
		}
		f.release()

		for _, cmp := range []struct {
			name      string
			got, want []float64
		}{
			{"output", got, want}, {"running mean", rm2, rm}, {"running var", rv2, rv},
			{"dz", dz, wantDz}, {"dgamma", dg, wantDg}, {"dbeta", db, wantDb}, {"Σdz", dzSum, wantSum},
		} {
			for i := range cmp.want {
				if math.Abs(cmp.got[i]-cmp.want[i]) > 1e-12*(1+math.Abs(cmp.want[i])) {
					t.Errorf("%+v %s[%d] = %g, want %g", mode, cmp.name, i, cmp.got[i], cmp.want[i])
					break
				}
			}
		}
	}
}

// s2Net is a float64 Conv4S2Of with its parameters, for the whole-network
// gradient checks.
type s2Net struct {
	m  *Conv4S2Of[float64]
	p  [Blocks]BlockParams[float64]
	g  [Blocks]BlockGrads[float64]
	rm [Blocks][]float64 // the running statistics before any Forward
	rv [Blocks][]float64
}

func newS2Net(rng *rand.Rand, par Parallel) *s2Net {
	s := &s2Net{m: NewConv4S2Of(NaiveGemm[float64], par)}
	for i := range Blocks {
		cin := blockIn(i)
		bound := 1 / math.Sqrt(float64(cin*9))
		u := func(n int, lo, hi float64) []float64 {
			x := make([]float64, n)
			for j := range x {
				x[j] = lo + (hi-lo)*rng.Float64()
			}
			return x
		}
		s.p[i] = BlockParams[float64]{Weight: u(Filters*cin*9, -bound, bound), Bias: u(Filters, -bound, bound),
			BNWeight: u(Filters, 0.5, 1.5), BNBias: u(Filters, -0.3, 0.3),
			RunningMean: u(Filters, -0.2, 0.2), RunningVar: u(Filters, 0.5, 1.5)}
		s.g[i] = BlockGrads[float64]{Weight: make([]float64, Filters*cin*9), Bias: make([]float64, Filters),
			BNWeight: make([]float64, Filters), BNBias: make([]float64, Filters)}
		s.rm[i] = append([]float64(nil), s.p[i].RunningMean...)
		s.rv[i] = append([]float64(nil), s.p[i].RunningVar...)
	}
	return s
}

// forward runs a Forward from the initial running statistics (they are
// state, not an input of the loss) and returns the embeddings.
func (s *s2Net) forward(x []float64, n int, train bool) []float64 {
	for i := range Blocks {
		copy(s.p[i].RunningMean, s.rm[i])
		copy(s.p[i].RunningVar, s.rv[i])
	}
	return s.m.Forward(&s.p, x, n, train)
}

// sample returns k indices of [0, n) (all of them if n ≤ k), the first
// and the last among them.
func sample(rng *rand.Rand, n, k int) []int {
	if n <= k {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := []int{0, n - 1}
	for len(idx) < k {
		idx = append(idx, rng.IntN(n))
	}
	return idx
}

// checkGradAt is checkGrad on the coordinates idx of x only, made robust
// to ReLU's kinks: a deep network with thousands of rectified units often
// has one within fdStep of switching, and then the central difference
// straddles a kink. Such a coordinate shows it by disagreeing one-sided
// differences (a smooth loss has (l₊ − l₀)/h − (l₀ − l₋)/h = O(h)), which
// is a property of the loss, not of the analytic gradient under test; it is
// then checked again with a step ten times smaller. If the step reaches
// 1e-8 (where rounding dominates) with a kink still inside, the coordinate
// is skipped; more than a tenth skipped is an error.
func checkGradAt(t *testing.T, name string, x, grad []float64, idx []int, loss func() float64) {
	t.Helper()
	bad, skipped := 0, 0
	l0 := loss()
	for _, i := range idx {
		orig := x[i]
		kinked := true
		var num float64
		for h := fdStep; h > 2e-8; h /= 10 {
			x[i] = orig + h
			lp := loss()
			x[i] = orig - h
			lm := loss()
			x[i] = orig
			fwd, bwd := (lp-l0)/h, (l0-lm)/h
			num = (lp - lm) / (2 * h)
			if math.Abs(fwd-bwd) <= 1e-3*(math.Abs(fwd)+math.Abs(bwd))+1e-5 {
				kinked = false
				break
			}
		}
		if kinked {
			skipped++
			continue
		}
		if d := math.Abs(num - grad[i]); d > fdAbs+fdRel*math.Max(math.Abs(num), math.Abs(grad[i])) {
			if bad < 5 {
				t.Errorf("%s[%d]: analytic %.10g, numeric %.10g", name, i, grad[i], num)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d sampled coordinates disagree", name, bad, len(idx))
	}
	if skipped > len(idx)/10 {
		t.Errorf("%s: %d of %d sampled coordinates straddle a kink at every step", name, skipped, len(idx))
	}
}

// TestConv4S2Gradient checks the whole network's backward pass in float64
// against central differences of the loss Σ emb·r: the gradients with
// respect to the images, every convolution's weights and bias and every
// BatchNorm's gamma and beta, in training mode (batch statistics, the
// gradient through them included) and in inference mode, at sampled
// coordinates of each tensor (the first, the last and random ones). Two
// workers on a batch of 2 images exercise the per-worker buffers and
// their reduction.
func TestConv4S2Gradient(t *testing.T) {
	for _, train := range []bool{true, false} {
		t.Run(fmt.Sprintf("train=%v", train), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(25, 26))
			const n = 2
			s := newS2Net(rng, splitPar(2))
			x := randSlice(rng, n*ImageSize*ImageSize)
			r := randSlice(rng, n*Conv4S2EmbeddingDim)
			loss := func() float64 { return dot(s.forward(x, n, train), r) }
			loss()
			dx := make([]float64, len(x))
			s.m.Backward(&s.p, r, &s.g, dx)
			// Sampled coordinates per tensor: a full check of the 111 000
			// weights would take an hour with the plain float64 product.
			k := 12
			if !train {
				k = 6 // the simpler path: no gradient through the statistics
			}
			checkGradAt(t, "images", x, dx, sample(rng, len(x), 2*k), loss)
			for i := range Blocks {
				p, g := &s.p[i], &s.g[i]
				pre := fmt.Sprintf("block %d ", i)
				for _, c := range []struct {
					name string
					x, g []float64
				}{{"weight", p.Weight, g.Weight}, {"bias", p.Bias, g.Bias}, {"BN weight", p.BNWeight, g.BNWeight}, {"BN bias", p.BNBias, g.BNBias}} {
					checkGradAt(t, pre+c.name, c.x, c.g, sample(rng, len(c.x), k), loss)
				}
			}
		})
	}
}

// s2Taps returns, for kernel column (or row) offset kw of a stride-2,
// padding-1 convolution on an input of width w with wo outputs, the range
// [lo, hi) of outputs ox whose input column 2·ox+kw−1 lies inside the
// image: the others read the zero padding.
func s2Taps(kw, w, wo int) (lo, hi int) {
	if kw == 0 {
		lo = 1 // column −1
	}
	return lo, min(wo, (w-kw+2)/2)
}

// im2colS2Plain unfolds samples [s0, s1) of the channel-major input x
// (cin×n×h×w) for a 3×3, stride 2, padding 1 convolution into col, a
// (cin·9) × ((s1−s0)·ho·wo) matrix (ho, wo = ⌈h/2⌉, ⌈w/2⌉): row
// (ci·3+kh)·3+kw, column (s−s0)·ho·wo + oy·wo + ox holds
// x[ci, s, 2·oy+kh−1, 2·ox+kw−1], or 0 outside the image.
func im2colS2Plain[T Float](col, x []T, cin, n, h, w, s0, s1 int) {
	hw := h * w
	ho, wo := s2Out(h), s2Out(w)
	ohw := ho * wo
	cols := (s1 - s0) * ohw
	for ci := 0; ci < cin; ci++ {
		xc := x[ci*n*hw:]
		for kh := 0; kh < 3; kh++ {
			ylo, yhi := s2Taps(kh, h, ho)
			for kw := 0; kw < 3; kw++ {
				xlo, xhi := s2Taps(kw, w, wo)
				row := col[((ci*3+kh)*3+kw)*cols:][:cols]
				for s := s0; s < s1; s++ {
					dst := row[(s-s0)*ohw:][:ohw]
					src := xc[s*hw:][:hw]
					clear(dst[:ylo*wo])
					for oy := ylo; oy < yhi; oy++ {
						d := dst[oy*wo:][:wo]
						sr := src[(2*oy+kh-1)*w:][:w]
						clear(d[:xlo])
						for ox := xlo; ox < xhi; ox++ {
							d[ox] = sr[2*ox+kw-1]
						}
						clear(d[xhi:])
					}
					clear(dst[yhi*wo:])
				}
			}
		}
	}
}

// col2imS2Plain is the adjoint of im2colS2Plain: it sets samples [s0, s1) of dx
// (cin×n×h×w, channel-major) to the sum of the col entries that im2colS2Plain
// copied from each position (neighbouring outputs' windows overlap by one
// row and one column, so positions on odd rows or columns receive from
// two taps). col is read only.
func col2imS2Plain[T Float](dx, col []T, cin, n, h, w, s0, s1 int) {
	hw := h * w
	ho, wo := s2Out(h), s2Out(w)
	ohw := ho * wo
	cols := (s1 - s0) * ohw
	for ci := 0; ci < cin; ci++ {
		dc := dx[ci*n*hw:]
		clear(dc[s0*hw : s1*hw])
		for kh := 0; kh < 3; kh++ {
			ylo, yhi := s2Taps(kh, h, ho)
			for kw := 0; kw < 3; kw++ {
				xlo, xhi := s2Taps(kw, w, wo)
				row := col[((ci*3+kh)*3+kw)*cols:][:cols]
				for s := s0; s < s1; s++ {
					src := row[(s-s0)*ohw:][:ohw]
					dst := dc[s*hw:][:hw]
					for oy := ylo; oy < yhi; oy++ {
						sr := src[oy*wo:][:wo]
						d := dst[(2*oy+kh-1)*w:][:w]
						for ox := xlo; ox < xhi; ox++ {
							d[2*ox+kw-1] += sr[ox]
						}
					}
				}
			}
		}
	}
}

// TestIm2colS2MatchesPlain checks the phase-split unfolding and its
// adjoint against the direct gather on even and odd sizes, a chunk in the
// middle of the batch.
func TestIm2colS2MatchesPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	for _, c := range []struct{ cin, h, w int }{{1, 28, 28}, {2, 14, 14}, {3, 7, 7}, {2, 4, 4}, {2, 5, 6}, {1, 2, 3}, {1, 1, 1}} {
		const n, s0, s1 = 5, 1, 4
		ohw := s2Out(c.h) * s2Out(c.w)
		rows, cols := c.cin*9, (s1-s0)*ohw
		x := randSlice(rng, c.cin*n*c.h*c.w)
		want, got := randSlice(rng, rows*cols), randSlice(rng, rows*cols)
		xph := randSlice(rng, phaseLen(c.cin, n, c.h, c.w))
		toPhases(xph, x, c.cin, n, c.h, c.w)
		ph := randSlice(rng, 4*cols)
		im2colS2Plain(want, x, c.cin, n, c.h, c.w, s0, s1)
		im2colS2(got, xph, c.cin, n, c.h, c.w, s0, s1)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%+v: col[%d] = %g, want %g", c, i, got[i], want[i])
			}
		}
		dcol := randSlice(rng, rows*cols)
		wantDx, gotDx := randSlice(rng, len(x)), append([]float64(nil), x...)
		copy(gotDx, wantDx)
		col2imS2Plain(wantDx, dcol, c.cin, n, c.h, c.w, s0, s1)
		col2imS2(gotDx, dcol, ph, c.cin, n, c.h, c.w, s0, s1, false, false)
		for i := range wantDx {
			if math.Abs(gotDx[i]-wantDx[i]) > 1e-12 {
				t.Fatalf("%+v: dx[%d] = %g, want %g", c, i, gotDx[i], wantDx[i])
			}
		}
	}
}

// TestPhaseLayout checks the phase layout against its definition: entry
// ((c·4 + a·2+b)·n + s)·ho·wo + r·wo + q is x[c, s, 2r+a, 2q+b], or 0
// outside the plane, as toPhases writes it from the ordinary layout and as
// bnRelu writes it (phased) from the convolution's output, where it must
// be the phase layout of bnRelu's ordinary output.
func TestPhaseLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	for _, c := range []struct{ ch, n, h, w int }{{2, 3, 14, 14}, {3, 2, 7, 7}, {2, 3, 4, 4}, {1, 2, 5, 6}, {2, 2, 2, 3}, {1, 1, 1, 1}} {
		ho, wo := s2Out(c.h), s2Out(c.w)
		x := randSlice(rng, c.ch*c.n*c.h*c.w)
		want := make([]float64, phaseLen(c.ch, c.n, c.h, c.w))
		for ch := 0; ch < c.ch; ch++ {
			for p := 0; p < 4; p++ {
				for s := 0; s < c.n; s++ {
					for r := 0; r < ho; r++ {
						for q := 0; q < wo; q++ {
							y, xx := 2*r+p/2, 2*q+p%2
							if y < c.h && xx < c.w {
								want[(((ch*4+p)*c.n+s)*ho+r)*wo+q] = x[((ch*c.n+s)*c.h+y)*c.w+xx]
							}
						}
					}
				}
			}
		}
		got := randSlice(rng, len(want)) // the padding must be written too
		toPhases(got, x, c.ch, c.n, c.h, c.w)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%+v: toPhases [%d] = %g, want %g", c, i, got[i], want[i])
			}
		}

		// bnRelu, phased, against its ordinary output split by toPhases.
		gamma, beta := randSlice(rng, c.ch), randSlice(rng, c.ch)
		for _, train := range []bool{true, false} {
			rm, rv := make([]float64, c.ch), make([]float64, c.ch)
			for i := range rv {
				rv[i] = 1
			}
			plain := make([]float64, len(x))
			f := newBNRelu(testEngine(2), c.ch)
			f.forward(plain, x, nil, nil, nil, gamma, beta, rm, rv, c.n, c.h, c.w, false, train)
			toPhases(want, plain, c.ch, c.n, c.h, c.w)
			copy(rm, make([]float64, c.ch))
			for i := range rv {
				rv[i] = 1
			}
			got := randSlice(rng, len(want))
			f.forward(got, x, nil, nil, nil, gamma, beta, rm, rv, c.n, c.h, c.w, true, train)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%+v train=%v: bnRelu phased [%d] = %g, want %g", c, train, i, got[i], want[i])
				}
			}
		}
	}
}

// TestConv4S2VecMatchesPlain checks that the Float32x4 loops
// (conv4s2_vec.go: ReLU, its mask, dz, the col2im additions) and the
// Float64x4 sums (conv4s2_sum_amd64.go) compute the
// same bits as the plain loops they replace: a float32 network with them
// and one without give identical embeddings, gradients (images included)
// and running statistics, in both modes, on batch sizes that leave tails.
func TestConv4S2VecMatchesPlain(t *testing.T) {
	if !haveVec4() {
		t.Skip("no Float32x4 kernels on this build or CPU")
	}
	rng := rand.New(rand.NewPCG(33, 34))
	for _, n := range []int{3, 13} {
		for _, train := range []bool{true, false} {
			x := make([]float32, n*ImageSize*ImageSize)
			for i := range x {
				x[i] = rng.Float32()
			}
			r := make([]float32, n*Conv4S2EmbeddingDim)
			for i := range r {
				r[i] = float32(rng.NormFloat64())
			}
			var p [Blocks]BlockParams[float32]
			for i := range Blocks {
				u := func(k int, lo, hi float64) []float32 {
					s := make([]float32, k)
					for j := range s {
						s[j] = float32(lo + (hi-lo)*rng.Float64())
					}
					return s
				}
				cin := blockIn(i)
				b := 1 / math.Sqrt(float64(cin*9))
				p[i] = BlockParams[float32]{Weight: u(Filters*cin*9, -b, b), Bias: u(Filters, -b, b),
					BNWeight: u(Filters, 0.5, 1.5), BNBias: u(Filters, -0.3, 0.3),
					RunningMean: u(Filters, -0.2, 0.2), RunningVar: u(Filters, 0.5, 1.5)}
			}
			type result struct {
				emb, dx []float32
				g       [Blocks]BlockGrads[float32]
				rm, rv  [Blocks][]float32
			}
			run := func(vec bool) result {
				m := NewConv4S2Of(NaiveGemm[float32], splitPar(2))
				for i := range Blocks {
					m.conv[i].vec, m.bn[i].vec = vec, vec
					m.conv[i].sum4, m.bn[i].sum4 = vec && haveSum4(), vec && haveSum4()
				}
				var q [Blocks]BlockParams[float32]
				var res result
				for i := range Blocks {
					q[i] = p[i]
					q[i].RunningMean = append([]float32(nil), p[i].RunningMean...)
					q[i].RunningVar = append([]float32(nil), p[i].RunningVar...)
					res.rm[i], res.rv[i] = q[i].RunningMean, q[i].RunningVar
					cin := blockIn(i)
					res.g[i] = BlockGrads[float32]{Weight: make([]float32, Filters*cin*9), Bias: make([]float32, Filters),
						BNWeight: make([]float32, Filters), BNBias: make([]float32, Filters)}
				}
				res.emb = append([]float32(nil), m.Forward(&q, x, n, train)...)
				res.dx = make([]float32, len(x))
				m.Backward(&q, r, &res.g, res.dx)
				return res
			}
			want, got := run(false), run(true)
			same := func(name string, a, b []float32) {
				for i := range a {
					if a[i] != b[i] {
						t.Errorf("n=%d train=%v %s[%d]: vec %g, plain %g", n, train, name, i, b[i], a[i])
						return
					}
				}
			}
			same("embeddings", want.emb, got.emb)
			same("images' gradient", want.dx, got.dx)
			for i := range Blocks {
				pre := fmt.Sprintf("block %d ", i)
				same(pre+"weight grad", want.g[i].Weight, got.g[i].Weight)
				same(pre+"bias grad", want.g[i].Bias, got.g[i].Bias)
				same(pre+"BN weight grad", want.g[i].BNWeight, got.g[i].BNWeight)
				same(pre+"BN bias grad", want.g[i].BNBias, got.g[i].BNBias)
				same(pre+"running mean", want.rm[i], got.rm[i])
				same(pre+"running var", want.rv[i], got.rv[i])
			}
		}
	}
}

// TestConvS2Quad checks the quarter-phase convolution (conv4s2_quad.go)
// against the ordinary one on the same input: its output and dZ columns
// in the phase layout, the same output (in that layout), channel sums,
// weight gradient and input gradient; and col2imS2's phased output
// against the phase layout of its ordinary one.
func TestConvS2Quad(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	for _, c := range []struct{ cin, cout, h, w int }{{1, 5, 28, 28}, {2, 3, 8, 12}, {1, 2, 4, 4}} {
		const n = 5
		ho, wo := c.h/2, c.w/2
		x := randSlice(rng, c.cin*n*c.h*c.w)
		wt := randSlice(rng, c.cout*c.cin*9)
		r := randSlice(rng, c.cout*n*ho*wo)
		rph := make([]float64, len(r))
		toPhases(rph, r, c.cout, n, ho, wo)
		run := func(quad bool) (z, dw, dx []float64, sum, sq []float64) {
			l := newConvS2(testEngine(2), c.cin, c.cout)
			l.target = 2 * ho * wo // chunks of two samples
			l.stats, l.quad = true, quad
			l.fillDZ = func(dz []float64, ld, s0, s1 int) {
				cols := (s1 - s0) * ho * wo
				for co := 0; co < c.cout; co++ {
					if !quad {
						copy(dz[co*ld:][:cols], r[(co*n+s0)*ho*wo:][:cols])
						continue
					}
					seg := cols / 4
					for p := 0; p < 4; p++ {
						copy(dz[co*ld+p*seg:][:seg], rph[((co*4+p)*n+s0)*seg/(s1-s0):][:seg])
					}
				}
			}
			in := make([]float64, len(x))
			if quad {
				toQuads(in, x, c.cin, n, c.h, c.w)
			} else {
				toPhases(in, x, c.cin, n, c.h, c.w)
			}
			z = make([]float64, c.cout*n*ho*wo)
			l.forward(z, in, wt, n, c.h, c.w)
			dw, dx = make([]float64, len(wt)), make([]float64, len(x))
			for i := range dx {
				dx[i] = math.NaN() // every entry must be written
			}
			l.backward(dx, dw, in, wt, n, c.h, c.w)
			return z, dw, dx, append([]float64(nil), l.sum...), append([]float64(nil), l.sq...)
		}
		z0, dw0, dx0, s0, q0 := run(false)
		z1, dw1, dx1, s1, q1 := run(true)
		zph := make([]float64, len(z0))
		toPhases(zph, z0, c.cout, n, ho, wo)
		for _, cmp := range []struct {
			name      string
			got, want []float64
		}{{"z (phase layout)", z1, zph}, {"Σz", s1, s0}, {"Σz²", q1, q0}, {"dw", dw1, dw0}, {"dx", dx1, dx0}} {
			for i := range cmp.want {
				if !(math.Abs(cmp.got[i]-cmp.want[i]) <= 1e-12*(1+math.Abs(cmp.want[i]))) {
					t.Fatalf("%+v: %s[%d] = %g, want %g", c, cmp.name, i, cmp.got[i], cmp.want[i])
				}
			}
		}

		// col2imS2, phased, against the phase layout of its ordinary output.
		const sa, sb = 1, 4
		ohw := ho * wo
		cols := (sb - sa) * ohw
		dcol := randSlice(rng, c.cin*9*cols)
		plain := make([]float64, len(x))
		ph := make([]float64, 4*cols)
		col2imS2(plain, append([]float64(nil), dcol...), ph, c.cin, n, c.h, c.w, sa, sb, false, false)
		want := make([]float64, len(x))
		toPhases(want, plain, c.cin, n, c.h, c.w)
		got := randSlice(rng, len(x))
		col2imS2(got, dcol, ph, c.cin, n, c.h, c.w, sa, sb, false, true)
		for ci := 0; ci < c.cin; ci++ {
			for p := 0; p < 4; p++ {
				o := ((ci*4+p)*n + sa) * ohw
				for i := o; i < o+cols; i++ {
					if math.Abs(got[i]-want[i]) > 1e-12 {
						t.Fatalf("%+v: phased col2im [%d] = %g, want %g", c, i, got[i], want[i])
					}
				}
			}
		}
	}
}
