package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Gradient checks: every analytic backward pass is compared with central
// finite differences, in float64, where with step h = 1e-6 the truncation
// error (O(h²)) and the rounding error (O(1e-16/h)) are both below 1e-9. A
// tolerance of 1e-6 relative (1e-8 absolute, for gradients near zero)
// therefore catches any real mistake while leaving room for the kinks of
// ReLU and max-pool, which random inputs keep away from.
const (
	fdStep = 1e-6
	fdRel  = 1e-6
	fdAbs  = 1e-8
)

// splitPar is a deterministic Parallel with several workers that runs the
// ranges one after another, so tests exercise the per-worker buffers and
// their reduction without threads.
type splitPar int

func (p splitPar) Threads() int { return int(p) }
func (p splitPar) For(n int, fn func(worker, lo, hi int)) {
	t := int(p)
	for w := 0; w < t; w++ {
		lo, hi := w*n/t, (w+1)*n/t
		if lo < hi {
			fn(w, lo, hi)
		}
	}
}

func testEngine(threads int) engine[float64] {
	return engine[float64]{gemm: NaiveGemm[float64], par: splitPar(threads)}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// checkGrad compares grad, the analytic gradient of loss with respect to x,
// with central differences in every coordinate of x. loss must read x.
func checkGrad(t *testing.T, name string, x, grad []float64, loss func() float64) {
	t.Helper()
	bad := 0
	for i := range x {
		orig := x[i]
		x[i] = orig + fdStep
		lp := loss()
		x[i] = orig - fdStep
		lm := loss()
		x[i] = orig
		num := (lp - lm) / (2 * fdStep)
		if d := math.Abs(num - grad[i]); d > fdAbs+fdRel*math.Max(math.Abs(num), math.Abs(grad[i])) {
			if bad < 5 {
				t.Errorf("%s[%d]: analytic %.10g, numeric %.10g", name, i, grad[i], num)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d coordinates disagree", name, bad, len(x))
	}
}

func TestConvGradient(t *testing.T) {
	// Cin·9 ≥ Cout and Cin·9 < Cout take the two forms of the weight
	// gradient.
	for _, c := range []struct{ cin, cout int }{{2, 3}, {1, 12}} {
		t.Run(fmt.Sprintf("cin=%d,cout=%d", c.cin, c.cout), func(t *testing.T) { testConvGradient(t, c.cin, c.cout) })
	}
}

func testConvGradient(t *testing.T, cin, cout int) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, h, w = 5, 5, 4
	x := randSlice(rng, cin*n*h*w)
	wt := randSlice(rng, cout*cin*9)
	b := randSlice(rng, cout)
	r := randSlice(rng, cout*n*h*w)
	l := newConv3x3(testEngine(2), cin, cout)
	l.target = 2 * h * w // chunks of two samples: several per worker
	l.stats = true
	z := make([]float64, cout*n*h*w)
	loss := func() float64 {
		l.forward(z, x, wt, b, n, h, w)
		return dot(z, r)
	}
	loss()
	// The channel sums computed on the fly.
	for co := 0; co < cout; co++ {
		var s, ss float64
		for _, v := range z[co*n*h*w : (co+1)*n*h*w] {
			s, ss = s+v, ss+v*v
		}
		if math.Abs(l.sum[co]-s) > 1e-12*(1+math.Abs(s)) || math.Abs(l.sq[co]-ss) > 1e-12*(1+ss) {
			t.Errorf("channel %d sums %g, %g; want %g, %g", co, l.sum[co], l.sq[co], s, ss)
		}
	}
	// The forward pass against the definition of a convolution.
	for co := 0; co < cout; co++ {
		for s := 0; s < n; s++ {
			for y := 0; y < h; y++ {
				for xx := 0; xx < w; xx++ {
					want := b[co]
					for ci := 0; ci < cin; ci++ {
						for kh := 0; kh < 3; kh++ {
							for kw := 0; kw < 3; kw++ {
								sy, sx := y+kh-1, xx+kw-1
								if sy >= 0 && sy < h && sx >= 0 && sx < w {
									want += wt[((co*cin+ci)*3+kh)*3+kw] * x[((ci*n+s)*h+sy)*w+sx]
								}
							}
						}
					}
					if got := z[((co*n+s)*h+y)*w+xx]; math.Abs(got-want) > 1e-12 {
						t.Fatalf("z[%d,%d,%d,%d] = %g, want %g", co, s, y, xx, got, want)
					}
				}
			}
		}
	}
	dx, dw, db := make([]float64, len(x)), make([]float64, len(wt)), make([]float64, len(b))
	l.backward(dx, dw, db, r, x, wt, n, h, w)
	checkGrad(t, "dx", x, dx, loss)
	checkGrad(t, "dw", wt, dw, loss)
	checkGrad(t, "db", b, db, loss)
}

func TestBatchNormGradient(t *testing.T) {
	for _, train := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(3, 4))
		const c, m = 3, 10
		x := randSlice(rng, c*m)
		for i := range x {
			x[i] = 2*x[i] + 1
		}
		gamma, beta := randSlice(rng, c), randSlice(rng, c)
		rm, rv := randSlice(rng, c), make([]float64, c)
		for i := range rv {
			rv[i] = 0.5 + rng.Float64()
		}
		r := randSlice(rng, c*m)
		y, mean, invstd := make([]float64, c*m), make([]float64, c), make([]float64, c)
		loss := func() float64 {
			// The running statistics are state, not an input of the loss.
			rm0, rv0 := append([]float64(nil), rm...), append([]float64(nil), rv...)
			bnForward(y, x, gamma, beta, rm0, rv0, mean, invstd, c, m, train)
			return dot(y, r)
		}
		loss()
		dx, dg, dbt := make([]float64, c*m), make([]float64, c), make([]float64, c)
		bnBackward(dx, dg, dbt, r, x, gamma, mean, invstd, c, m, train)
		checkGrad(t, "dx", x, dx, loss)
		checkGrad(t, "dgamma", gamma, dg, loss)
		checkGrad(t, "dbeta", beta, dbt, loss)
	}
}

func TestBatchNormStatistics(t *testing.T) {
	// One channel of m values: the running statistics move by momentum 0.1
	// towards the batch mean and the unbiased batch variance.
	x := []float64{1, 2, 4, 9}
	mean, biased, unbiased := 4.0, 9.5, 38.0/3
	rm, rv := []float64{1}, []float64{2}
	y, mu, is := make([]float64, 4), make([]float64, 1), make([]float64, 1)
	bnForward(y, x, []float64{1}, []float64{0}, rm, rv, mu, is, 1, 4, true)
	if want := 0.9*1 + 0.1*mean; math.Abs(rm[0]-want) > 1e-12 {
		t.Errorf("running mean %g, want %g", rm[0], want)
	}
	if want := 0.9*2 + 0.1*unbiased; math.Abs(rv[0]-want) > 1e-12 {
		t.Errorf("running var %g, want %g", rv[0], want)
	}
	for i, v := range x {
		if want := (v - mean) / math.Sqrt(biased+BNEps); math.Abs(y[i]-want) > 1e-12 {
			t.Errorf("y[%d] = %g, want %g", i, y[i], want)
		}
	}
	// Inference mode normalises with the running statistics.
	bnForward(y, x, []float64{2}, []float64{1}, []float64{1}, []float64{3}, mu, is, 1, 4, false)
	for i, v := range x {
		if want := 2*(v-1)/math.Sqrt(3+BNEps) + 1; math.Abs(y[i]-want) > 1e-12 {
			t.Errorf("inference y[%d] = %g, want %g", i, y[i], want)
		}
	}
}

func TestReLUGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x, r := randSlice(rng, 20), randSlice(rng, 20)
	y := make([]float64, 20)
	loss := func() float64 { reluForward(y, x); return dot(y, r) }
	loss()
	dx := make([]float64, 20)
	reluBackward(dx, r, y)
	checkGrad(t, "dx", x, dx, loss)
}

func TestMaxPoolGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const planes, h, w = 3, 7, 5 // odd sizes: the last row and column drop
	x := randSlice(rng, planes*h*w)
	ho, wo := h/2, w/2
	y, arg := make([]float64, planes*ho*wo), make([]int32, planes*ho*wo)
	r := randSlice(rng, len(y))
	loss := func() float64 { maxPoolForward(y, arg, x, planes, h, w); return dot(y, r) }
	loss()
	for p := 0; p < planes; p++ {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				b := p*h*w + 2*oy*w + 2*ox
				want := math.Max(math.Max(x[b], x[b+1]), math.Max(x[b+w], x[b+w+1]))
				if got := y[(p*ho+oy)*wo+ox]; got != want {
					t.Fatalf("pool output %g, want %g", got, want)
				}
			}
		}
	}
	dx := make([]float64, len(x))
	maxPoolBackward(dx, r, arg)
	checkGrad(t, "dx", x, dx, loss)
}

func TestLinearGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n, in, out = 4, 5, 3
	x, w, b := randSlice(rng, n*in), randSlice(rng, out*in), randSlice(rng, out)
	r := randSlice(rng, n*out)
	y := make([]float64, n*out)
	loss := func() float64 { LinearForward(y, x, w, b, n, in, out); return dot(y, r) }
	loss()
	dx, dw, db := make([]float64, len(x)), make([]float64, len(w)), make([]float64, len(b))
	LinearBackward(dx, dw, db, r, x, w, n, in, out)
	checkGrad(t, "dx", x, dx, loss)
	checkGrad(t, "dw", w, dw, loss)
	checkGrad(t, "db", b, db, loss)
}

func TestCrossEntropyGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n, c = 5, 4
	logits := randSlice(rng, n*c)
	labels := []int{0, 3, 1, 1, 2}
	loss := func() float64 {
		l, _, err := CrossEntropy(nil, logits, labels, n, c)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	d := make([]float64, n*c)
	l, acc, err := CrossEntropy(d, logits, labels, n, c)
	if err != nil {
		t.Fatal(err)
	}
	// The definition, directly.
	var want float64
	var correct int
	for i := 0; i < n; i++ {
		row := logits[i*c : (i+1)*c]
		var z float64
		best := 0
		for j, v := range row {
			z += math.Exp(v)
			if v > row[best] {
				best = j
			}
		}
		want -= math.Log(math.Exp(row[labels[i]]) / z)
		if best == labels[i] {
			correct++
		}
	}
	if want /= n; math.Abs(l-want) > 1e-12 {
		t.Errorf("loss %g, want %g", l, want)
	}
	if wantAcc := float64(correct) / n; acc != wantAcc {
		t.Errorf("accuracy %g, want %g", acc, wantAcc)
	}
	checkGrad(t, "dlogits", logits, d, loss)

	if _, _, err := CrossEntropy(d, logits, []int{0, 4, 0, 0, 0}, n, c); err == nil {
		t.Error("label 4 of 4 classes: no error")
	}
	if _, _, err := CrossEntropy(d, logits, []int{0}, n, c); err == nil {
		t.Error("1 label for 5 rows: no error")
	}
}

func TestCrossEntropyLargeLogits(t *testing.T) {
	l, _, err := CrossEntropy(nil, []float32{1000, 0}, []int{1}, 1, 2)
	if err != nil || math.Abs(l-1000) > 1e-3 {
		t.Errorf("loss %g, %v; want 1000", l, err)
	}
}

func TestSqDistancesGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const n, m, dim = 4, 3, 5
	a, b := randSlice(rng, n*dim), randSlice(rng, m*dim)
	r := randSlice(rng, n*m)
	d := make([]float64, n*m)
	loss := func() float64 { SqDistances(d, a, b, n, m, dim); return dot(d, r) }
	loss()
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			var want float64
			for k := 0; k < dim; k++ {
				want += (a[i*dim+k] - b[j*dim+k]) * (a[i*dim+k] - b[j*dim+k])
			}
			if math.Abs(d[i*m+j]-want) > 1e-12 {
				t.Fatalf("d[%d,%d] = %g, want %g", i, j, d[i*m+j], want)
			}
		}
	}
	da, db := make([]float64, len(a)), make([]float64, len(b))
	SqDistancesBackward(da, db, r, a, b, n, m, dim)
	checkGrad(t, "da", a, da, loss)
	checkGrad(t, "db", b, db, loss)
}

// TestFusedBlockMatchesLayers checks that the fused BatchNorm → ReLU →
// max-pool kernel Conv4 uses computes what the three separate layers do,
// forward (including the running statistics) and backward, in both modes.
func TestFusedBlockMatchesLayers(t *testing.T) {
	for _, mode := range []struct{ train, bias bool }{{true, false}, {false, false}, {true, true}, {false, true}} {
		train := mode.train
		rng := rand.New(rand.NewPCG(15, 16))
		const c, n, h, w = 3, 2, 7, 6
		m, ho, wo := n*h*w, h/2, w/2
		z := randSlice(rng, c*m)
		gamma, beta := randSlice(rng, c), randSlice(rng, c)
		rm, rv := randSlice(rng, c), make([]float64, c)
		for i := range rv {
			rv[i] = 0.5 + rng.Float64()
		}
		rm2, rv2 := append([]float64(nil), rm...), append([]float64(nil), rv...)
		dout := randSlice(rng, c*n*ho*wo)
		// With a bias, the layers see z + bias and the fused kernel z.
		var bias []float64
		zb := append([]float64(nil), z...)
		if mode.bias {
			bias = randSlice(rng, c)
			for i := range zb {
				zb[i] += bias[i/m]
			}
		}

		// Separate layers. Pooling planes are (channel, sample) pairs.
		y, mean, invstd := make([]float64, c*m), make([]float64, c), make([]float64, c)
		bnForward(y, zb, gamma, beta, rm, rv, mean, invstd, c, m, train)
		reluForward(y, y)
		want, warg := make([]float64, c*n*ho*wo), make([]int32, c*n*ho*wo)
		maxPoolForward(want, warg, y, c*n, h, w)
		dy := make([]float64, c*m)
		maxPoolBackward(dy, dout, warg)
		reluBackward(dy, dy, y)
		wantDz, wantDg, wantDb := make([]float64, c*m), make([]float64, c), make([]float64, c)
		bnBackward(wantDz, wantDg, wantDb, dy, zb, gamma, mean, invstd, c, m, train)

		f := newBNReluPool(testEngine(2), c)
		got, arg := make([]float64, len(want)), make([]int32, len(want))
		f.forward(got, arg, z, bias, nil, nil, gamma, beta, rm2, rv2, n, h, w, train)
		dz, dg, db, dzSum := make([]float64, c*m), make([]float64, c), make([]float64, c), make([]float64, c)
		f.backward(dz, dg, db, dzSum, dout, got, arg, z, gamma, n, h, w)
		wantSum := make([]float64, c)
		for ch := range c {
			for _, v := range wantDz[ch*m : (ch+1)*m] {
				wantSum[ch] += v
			}
		}

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

// TestNaiveGemm checks the float64 matrix product the gradient checks rely
// on against the definition, for every transposition.
func TestNaiveGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	const m, n, k = 5, 7, 6
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			a, b := randSlice(rng, m*k), randSlice(rng, k*n)
			c := randSlice(rng, m*n)
			c0 := append([]float64(nil), c...)
			lda, ldb := k, n
			if ta {
				lda = m
			}
			if tb {
				ldb = k
			}
			NaiveGemm(0, ta, tb, m, n, k, 2, a, lda, b, ldb, 0.5, c, n)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					want := 0.5 * c0[i*n+j]
					for p := 0; p < k; p++ {
						av, bv := a[i*lda+p], b[p*ldb+j]
						if ta {
							av = a[p*lda+i]
						}
						if tb {
							bv = b[j*ldb+p]
						}
						want += 2 * av * bv
					}
					if math.Abs(c[i*n+j]-want) > 1e-12 {
						t.Fatalf("transA=%v transB=%v: c[%d,%d] = %g, want %g", ta, tb, i, j, c[i*n+j], want)
					}
				}
			}
		}
	}
}
