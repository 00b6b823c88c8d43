package mann

import (
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/nn"
)

// Gradient checks: every backward pass is compared with central finite
// differences in float64. With step h = 1e-6 the truncation error (O(h²))
// and the rounding error (O(1e-16/h)) are both near 1e-10, so a tolerance
// of 1e-6 relative (1e-8 absolute, for gradients near zero) catches any
// real mistake. The least-used choice of LRUA is piecewise constant; the
// random inputs keep every usage gap far wider than h, so no perturbation
// changes it.
const (
	fdStep = 1e-6
	fdRel  = 1e-6
	fdAbs  = 1e-8
)

func gemm64(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	nn.NaiveGemm(0, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func randSlice(rng *rand.Rand, n int, scale float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = scale * rng.NormFloat64()
	}
	return x
}

// checkGrad compares grad, the analytic gradient of loss with respect to x,
// with central differences in every coordinate of x.
func checkGrad(t *testing.T, name string, x, grad []float64, loss func() float64) {
	t.Helper()
	if len(grad) != len(x) {
		t.Fatalf("%s: gradient has %d values for %d", name, len(grad), len(x))
	}
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

func dot64(a, b []float64) float64 { return dot(a, b) }

// TestLSTMCellGradient checks one LSTM step, z = x·W_ihᵀ + b_ih + h·W_hhᵀ +
// b_hh then the cell, against finite differences in every input and
// parameter, for the loss ⟨h, Rh⟩ + ⟨c, Rc⟩.
func TestLSTMCellGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const b, in, u = 3, 5, 4
	x, hp, cp := randSlice(rng, b*in, 1), randSlice(rng, b*u, 1), randSlice(rng, b*u, 1)
	wih, whh := randSlice(rng, 4*u*in, 0.5), randSlice(rng, 4*u*u, 0.5)
	bih, bhh := randSlice(rng, 4*u, 0.5), randSlice(rng, 4*u, 0.5)
	rh, rc := randSlice(rng, b*u, 1), randSlice(rng, b*u, 1)
	z, c, tc, h := make([]float64, b*4*u), make([]float64, b*u), make([]float64, b*u), make([]float64, b*u)
	forward := func() {
		gemm64(false, true, b, 4*u, in, 1, x, in, wih, in, 0, z, 4*u)
		gemm64(false, true, b, 4*u, u, 1, hp, u, whh, u, 1, z, 4*u)
		for s := 0; s < b; s++ {
			axpy(z[s*4*u:(s+1)*4*u], 1, bih)
			axpy(z[s*4*u:(s+1)*4*u], 1, bhh)
		}
		lstmForward(z, c, tc, h, cp, b, u)
	}
	loss := func() float64 { forward(); return dot64(h, rh) + dot64(c, rc) }
	forward()
	dz, dc := make([]float64, b*4*u), append([]float64(nil), rc...)
	lstmBackward(dz, dc, rh, z, tc, cp, b, u)
	dx, dhp := make([]float64, b*in), make([]float64, b*u)
	dwih, dwhh, db := make([]float64, 4*u*in), make([]float64, 4*u*u), make([]float64, 4*u)
	gemm64(false, false, b, in, 4*u, 1, dz, 4*u, wih, in, 0, dx, in)
	gemm64(false, false, b, u, 4*u, 1, dz, 4*u, whh, u, 0, dhp, u)
	gemm64(true, false, 4*u, in, b, 1, dz, 4*u, x, in, 0, dwih, in)
	gemm64(true, false, 4*u, u, b, 1, dz, 4*u, hp, u, 0, dwhh, u)
	colSums(db, dz, b, 4*u)
	checkGrad(t, "x", x, dx, loss)
	checkGrad(t, "hPrev", hp, dhp, loss)
	checkGrad(t, "cPrev", cp, dc, loss)
	checkGrad(t, "weight_ih", wih, dwih, loss)
	checkGrad(t, "weight_hh", whh, dwhh, loss)
	checkGrad(t, "bias_ih", bih, db, loss)
	checkGrad(t, "bias_hh", bhh, db, loss)
}

// TestReadGradient checks cosine-similarity content addressing and the
// read, for the loss ⟨r, Rr⟩ + ⟨wr, Rw⟩ (the second term stands for the
// next step's write, which reads wr), with one memory row all zeros (a
// slot LRUA just cleared).
func TestReadGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	const b, h, n, d = 2, 3, 5, 4
	k, mem := randSlice(rng, b*h*d, 1), randSlice(rng, b*n*d, 1)
	clear(mem[2*d : 3*d])
	rr, rw := randSlice(rng, b*h*d, 1), randSlice(rng, b*h*n, 1)
	wr, r, sim := make([]float64, b*h*n), make([]float64, b*h*d), make([]float64, b*h*n)
	kn, mn := make([]float64, b*h), make([]float64, b*n)
	loss := func() float64 {
		readForward(wr, r, sim, kn, mn, k, mem, b, h, n, d)
		return dot64(r, rr) + dot64(wr, rw)
	}
	loss()
	// The forward pass against the definition.
	for q := 0; q < b*h; q++ {
		s := q / h
		var z float64
		e := make([]float64, n)
		for i := 0; i < n; i++ {
			kv, row := k[q*d:(q+1)*d], mem[(s*n+i)*d:(s*n+i+1)*d]
			cos := dot64(kv, row) / math.Sqrt((dot64(kv, kv)+normEps)*(dot64(row, row)+normEps))
			e[i] = math.Exp(cos)
			z += e[i]
		}
		for i := range e {
			if math.Abs(wr[q*n+i]-e[i]/z) > 1e-12 {
				t.Fatalf("wr[%d,%d] = %v, want %v", q, i, wr[q*n+i], e[i]/z)
			}
		}
	}
	dk, dmem := make([]float64, b*h*d), make([]float64, b*n*d)
	dwr := append([]float64(nil), rw...)
	readBackward(dk, dmem, dwr, rr, wr, sim, kn, mn, k, mem, b, h, n, d)
	checkGrad(t, "key", k, dk, loss)
	checkGrad(t, "memory", mem, dmem, loss)
}

// TestWriteGradient checks the LRUA write for the loss ⟨M, R⟩, in the
// gates σ(α), the previous read weights, the keys and the previous memory,
// and that the least-used slot is cleared before the keys are added.
func TestWriteGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const b, h, n, d = 2, 2, 6, 3
	memPrev, k := randSlice(rng, b*n*d, 1), randSlice(rng, b*h*d, 1)
	wrPrev, gate := make([]float64, b*h*n), make([]float64, b*h)
	for i := range wrPrev {
		wrPrev[i] = rng.Float64()
	}
	for i := range gate {
		gate[i] = 0.2 + 0.6*rng.Float64()
	}
	usage := []float64{0.5, 0.1, 0.9, 0.05, 0.7, 0.3, 0.2, 0.8, 0.6, 0.4, 0.01, 0.9}
	lu := make([]int32, b*h)
	leastUsed(lu, usage, b, h, n)
	if want := []int32{3, 1, 10 - 6, 6 - 6}; lu[0] != want[0] || lu[1] != want[1] || lu[2] != want[2] || lu[3] != want[3] {
		t.Fatalf("least used %v, want %v", lu, want)
	}
	rm := randSlice(rng, b*n*d, 1)
	ww, mem := make([]float64, b*h*n), make([]float64, b*n*d)
	loss := func() float64 {
		writeForward(ww, mem, memPrev, wrPrev, gate, k, lu, b, h, n, d)
		return dot64(mem, rm)
	}
	loss()
	// The cleared slot holds only what the heads wrote there.
	for s := 0; s < b; s++ {
		z := int(lu[s*h])
		for e := 0; e < d; e++ {
			var want float64
			for j := 0; j < h; j++ {
				want += ww[(s*h+j)*n+z] * k[(s*h+j)*d+e]
			}
			if got := mem[(s*n+z)*d+e]; math.Abs(got-want) > 1e-12 {
				t.Fatalf("memory %d slot %d [%d] = %v, want %v (the old content cleared)", s, z, e, got, want)
			}
		}
		// ww = σ·wrPrev + (1−σ) on the least-used slots.
		for j := 0; j < h; j++ {
			q := s*h + j
			for i := 0; i < n; i++ {
				want := gate[q] * wrPrev[q*n+i]
				if taken(lu[s*h:(s+1)*h], i) {
					want += 1 - gate[q]
				}
				if math.Abs(ww[q*n+i]-want) > 1e-12 {
					t.Fatalf("ww[%d,%d] = %v, want %v", q, i, ww[q*n+i], want)
				}
			}
		}
	}
	dgate, dwr, dk := make([]float64, b*h), make([]float64, b*h*n), make([]float64, b*h*d)
	dmem := append([]float64(nil), rm...)
	writeBackward(dgate, dwr, dk, dmem, ww, wrPrev, gate, k, lu, b, h, n, d)
	checkGrad(t, "gate", gate, dgate, loss)
	checkGrad(t, "wrPrev", wrPrev, dwr, loss)
	checkGrad(t, "key", k, dk, loss)
	checkGrad(t, "memPrev", memPrev, dmem, loss)
}

// testConfig is a small MANN: 3×3 images, 3 classes, 5 units, 6 slots of
// 4, 2 heads.
var testConfig = Config{Side: 3, Classes: 3, Units: 5, Slots: 6, Width: 4, Heads: 2, Gamma: 0.9}

// testNet64 returns a float64 net for cfg with random weights and a random
// episode of steps × batch (images, previous labels, targets, weights).
// With string labels (cfg.Labels) the way classes get random distinct
// strings.
func testNet64(rng *rand.Rand, cfg Config, steps, batch, way int) *net[float64] {
	cfg = cfg.withDefaults()
	codes := identity(way)
	if cfg.Labels == String {
		drawCodes(codes, rng)
	}
	n := newNet(cfg, Gemm[float64](gemm64))
	_, shapes := cfg.shapes()
	for i, p := range n.w.list() {
		sz := 1
		for _, s := range shapes[i] {
			sz *= s
		}
		*p = randSlice(rng, sz, 0.5)
		*n.g.list()[i] = make([]float64, sz)
	}
	n.resize(steps, batch)
	n.resetState()
	X, P := cfg.direct(), cfg.pixels()
	for b := 0; b < batch; b++ {
		prev := -1
		for t := 0; t < steps; t++ {
			q := t*batch + b
			x := n.x[q*X : (q+1)*X]
			for i := 0; i < P; i++ {
				x[i] = rng.Float64()
			}
			setLabel(cfg.Labels, x[P:], prev)
			y := codes[rng.IntN(way)]
			n.y[q], n.weight[q] = int32(y), 1/float64(steps*batch)
			prev = y
		}
	}
	return n
}

// TestEpisodeGradient checks backpropagation through time over a whole
// episode (LSTM, keys, gates, LRUA writes, reads, usage, logits, softmax
// over the first way of the classes, cross-entropy) in every parameter.
func TestEpisodeGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const steps, batch, way = 7, 2, 2
	n := testNet64(rng, testConfig, steps, batch, way)
	loss := func() float64 { return n.forward(way) }
	l0 := loss()
	n.backward()
	// The least-used choices of this episode are stable under the
	// perturbations: record them and check after.
	lu := append([]int32(nil), n.lu[:steps*batch*testConfig.Heads]...)
	names, _ := testConfig.shapes()
	for i, p := range n.w.list() {
		checkGrad(t, names[i], *p, *n.g.list()[i], loss)
	}
	if l1 := loss(); l1 != l0 {
		t.Fatalf("loss %v after the checks, %v before", l1, l0)
	}
	for i, v := range lu {
		if n.lu[i] != v {
			t.Fatalf("least-used slot %d changed", i)
		}
	}
	// The classes beyond way get no gradient.
	C, u := testConfig.Classes, testConfig.Units
	for j := way; j < C; j++ {
		if n.g.bo[j] != 0 || n.g.wo[j*(u+testConfig.Heads*testConfig.Width)] != 0 {
			t.Errorf("class %d ≥ way %d has a gradient", j, way)
		}
	}
}

// TestUsageHasNoGradient: the loss does not change (to first order) when
// the initial usage moves by less than its gaps — the usage only chooses
// the least-used slots — while it does change when the order of the usage
// changes, so the usage is really read.
func TestUsageHasNoGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const steps, batch, way = 6, 1, 3
	n := testNet64(rng, testConfig, steps, batch, way)
	u0 := []float64{0.6, 0.2, 0.9, 0.4, 0.75, 0.1}
	// A memory that already holds something (as after a support set), so
	// that the slots are not interchangeable.
	c := testConfig
	copy(n.mem, randSlice(rng, c.Slots*c.Width, 1))
	loss := func() float64 {
		copy(n.usage, u0)
		return n.forward(way)
	}
	checkGrad(t, "initial usage", u0, make([]float64, len(u0)), loss)
	// Usage after the first step, against its definition.
	loss()
	for i := 0; i < c.Slots; i++ {
		want := c.Gamma * u0[i]
		for j := 0; j < c.Heads; j++ {
			want += n.wr[(batch*c.Heads+j)*c.Slots+i] + n.ww[j*c.Slots+i]
		}
		if got := n.usage[batch*c.Slots+i]; math.Abs(got-want) > 1e-12 {
			t.Fatalf("usage[%d] = %v, want %v", i, got, want)
		}
	}
	l0 := loss()
	u0[5], u0[0] = 0.95, 0.05 // another least-used slot
	if l1 := loss(); l1 == l0 {
		t.Errorf("the loss did not change when the least-used slot did (%v)", l0)
	}
}

// TestStringHeadGradient checks the string-label head (five 5-way
// softmaxes, the loss the sum of the five characters' cross-entropies)
// against finite differences in the logits, and its forward pass against
// the definition: each character's probabilities sum to 1 and the loss is
// Σ −log p(char).
func TestStringHeadGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, y := range []int{0, 1234, StringLabels - 1} {
		lg := randSlice(rng, stringWidth, 2)
		p := make([]float64, stringWidth)
		const wt = 0.7
		loss := func() float64 {
			headForward(String, p, lg, 0)
			return wt * headLoss(String, p, y)
		}
		l0 := loss()
		var want float64
		for i := range StringChars {
			var z float64
			for j := range StringLetters {
				z += p[i*StringLetters+j]
			}
			if math.Abs(z-1) > 1e-12 {
				t.Fatalf("character %d: probabilities sum to %v", i, z)
			}
			row := lg[i*StringLetters : (i+1)*StringLetters]
			var e float64
			for _, v := range row {
				e += math.Exp(v)
			}
			want -= row[stringChar(y, i)] - math.Log(e)
		}
		if math.Abs(l0-wt*want) > 1e-12 {
			t.Fatalf("label %d: loss %v, want %v", y, l0, wt*want)
		}
		dl := make([]float64, stringWidth)
		headBackward(String, dl, p, y, wt)
		checkGrad(t, "string logits", lg, dl, loss)
	}
	// The answer is each character's most probable letter.
	p := make([]float64, stringWidth)
	for i, ch := range []int{2, 0, 4, 1, 3} {
		p[i*StringLetters+ch] = 1
	}
	if got, want := answer(String, p, 0), 2*625+0*125+4*25+1*5+3; got != want {
		t.Errorf("answer %d (%s), want %d (%s)", got, LabelString(got), want, LabelString(want))
	}
	if LabelString(answer(String, p, 0)) != "caebd" {
		t.Errorf("LabelString = %q, want caebd", LabelString(answer(String, p, 0)))
	}
}

// TestEpisodeGradientString is TestEpisodeGradient with string labels: the
// label enters as five one-hot characters and leaves as five softmaxes;
// backpropagation through time in every parameter.
func TestEpisodeGradientString(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const steps, batch, way = 7, 2, 3
	cfg := testConfig
	cfg.Labels = String
	n := testNet64(rng, cfg, steps, batch, way)
	if n.cfg.direct() != 9+25 || len(n.w.wo) != 25*(5+2*4) {
		t.Fatalf("input %d, out.weight %d values: want 9+25 and 25×13", n.cfg.direct(), len(n.w.wo))
	}
	loss := func() float64 { return n.forward(way) }
	l0 := loss()
	n.backward()
	names, _ := n.cfg.shapes()
	for i, p := range n.w.list() {
		checkGrad(t, names[i], *p, *n.g.list()[i], loss)
	}
	if l1 := loss(); l1 != l0 {
		t.Fatalf("loss %v after the checks, %v before", l1, l0)
	}
}

// TestStringLabelInput: the label input of string label y has a one in
// each character's block, at the character's letter; one-hot writes one
// unit; no label writes zeros.
func TestStringLabelInput(t *testing.T) {
	x := make([]float64, stringWidth)
	for i := range x {
		x[i] = 9 // cleared first
	}
	setLabel(String, x, 2*625+0*125+4*25+1*5+3) // "caebd"
	for i := range StringChars {
		for j := range StringLetters {
			want := 0.0
			if j == []int{2, 0, 4, 1, 3}[i] {
				want = 1
			}
			if x[i*StringLetters+j] != want {
				t.Fatalf("character %d letter %d: %v, want %v", i, j, x[i*StringLetters+j], want)
			}
		}
	}
	setLabel(String, x, -1)
	if maxAbs(x) != 0 {
		t.Error("no label: not all zeros")
	}
	oh := make([]float64, 4)
	setLabel(OneHot, oh, 2)
	if oh[0] != 0 || oh[1] != 0 || oh[2] != 1 || oh[3] != 0 {
		t.Errorf("one-hot 2 of 4: %v", oh)
	}
}
