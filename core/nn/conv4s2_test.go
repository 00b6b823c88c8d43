package nn_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/gemm"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

func randGrad(rng *rand.Rand, n, dim int) *tensor.Tensor {
	d := tensor.New(n, dim)
	for i := range d.Data {
		d.Data[i] = float32(rng.NormFloat64())
	}
	return d
}

// closeTo reports the first index where a and b differ by more than
// tol·max|a|, or −1.
func closeTo(a, b []float32, tol float64) int {
	var scale float64
	for _, v := range a {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol*scale {
			return i
		}
	}
	return -1
}

// TestConv4S2Threads checks that Serial (nil), one and two pool workers
// give the same embeddings, gradients and running statistics (up to
// float32 summation order), in both modes.
func TestConv4S2Threads(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	p := nn.NewConv4Params(rng)
	x := randImages(rng, 13)
	dEmb := randGrad(rng, 13, nn.Conv4S2EmbeddingDim)
	for _, train := range []bool{true, false} {
		run := func(par nn.Parallel) (*tensor.Tensor, *tensor.Set, *tensor.Set) {
			q := p.Clone()
			m := nn.NewConv4S2(par)
			emb, err := m.Forward(q, x, train)
			if err != nil {
				t.Fatal(err)
			}
			g := nn.Trainable(q).ZerosLike()
			if err := m.Backward(q, dEmb, g); err != nil {
				t.Fatal(err)
			}
			return emb.Clone(), g, q
		}
		pool1, pool2 := gemm.NewPool(1), gemm.NewPool(2)
		e0, g0, q0 := run(nil)
		for _, par := range []nn.Parallel{pool1, pool2} {
			e, g, q := run(par)
			if i := closeTo(e0.Data, e.Data, 1e-5); i >= 0 {
				t.Errorf("train=%v %d workers: embeddings[%d] %g, Serial %g", train, par.Threads(), i, e.Data[i], e0.Data[i])
			}
			for _, n := range g0.Names() {
				if i := closeTo(g0.Get(n).Data, g.Get(n).Data, 1e-4); i >= 0 {
					t.Errorf("train=%v %d workers: %s[%d] %g, Serial %g", train, par.Threads(), n, i, g.Get(n).Data[i], g0.Get(n).Data[i])
				}
			}
			for _, n := range q0.Names() {
				if i := closeTo(q0.Get(n).Data, q.Get(n).Data, 1e-5); i >= 0 {
					t.Errorf("train=%v %d workers: %s[%d] %g, Serial %g", train, par.Threads(), n, i, q.Get(n).Data[i], q0.Get(n).Data[i])
				}
			}
		}
		pool1.Close()
		pool2.Close()
	}
}

// TestConv4S2Modes checks what each mode does to the parameters: training
// mode moves every running statistic, inference mode (Forward with
// train=false and Embed) leaves p alone, and Embed equals Forward(p, x,
// false). Backward overwrites stale gradients rather than adding to them.
func TestConv4S2Modes(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	p := nn.NewConv4Params(rng)
	x := randImages(rng, 4)
	m := nn.NewConv4S2(nil)

	before := p.Clone()
	want, err := m.Forward(p, x, false)
	if err != nil {
		t.Fatal(err)
	}
	want = want.Clone()
	got, err := nn.NewConv4S2(nil).Embed(p, x)
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(got.Shape, []int{4, nn.Conv4S2EmbeddingDim}) || nn.Conv4S2EmbeddingDim != 256 {
		t.Fatalf("Embed shape %v, Conv4S2EmbeddingDim %d; want [4 256]", got.Shape, nn.Conv4S2EmbeddingDim)
	}
	if i := closeTo(want.Data, got.Data, 0); i >= 0 {
		t.Errorf("Embed[%d] = %g, Forward(train=false) %g", i, got.Data[i], want.Data[i])
	}
	for _, n := range p.Names() {
		if closeTo(before.Get(n).Data, p.Get(n).Data, 0) >= 0 {
			t.Errorf("inference changed %s", n)
		}
	}

	if _, err := m.Forward(p, x, true); err != nil {
		t.Fatal(err)
	}
	for _, n := range p.Names() {
		if nn.IsBuffer(n) == (closeTo(before.Get(n).Data, p.Get(n).Data, 0) < 0) {
			t.Errorf("training mode: %s changed: %v, want %v", n, !nn.IsBuffer(n), nn.IsBuffer(n))
		}
	}

	dEmb := randGrad(rng, 4, nn.Conv4S2EmbeddingDim)
	fresh := nn.Trainable(p).ZerosLike()
	if err := m.Backward(p, dEmb, fresh); err != nil {
		t.Fatal(err)
	}
	stale := nn.Trainable(p).ZerosLike()
	for _, n := range stale.Names() {
		for i := range stale.Get(n).Data {
			stale.Get(n).Data[i] = 1e3
		}
	}
	if err := m.Backward(p, dEmb, stale); err != nil {
		t.Fatal(err)
	}
	for _, n := range fresh.Names() {
		if i := closeTo(fresh.Get(n).Data, stale.Get(n).Data, 0); i >= 0 {
			t.Errorf("Backward into non-zero %s[%d]: %g, into zeros %g (accumulates?)", n, i, stale.Get(n).Data[i], fresh.Get(n).Data[i])
		}
	}
}

func TestConv4S2BadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	p := nn.NewConv4Params(rng)
	m := nn.NewConv4S2(nil)
	x := randImages(rng, 3)

	if err := m.Backward(p, tensor.New(3, 256), nn.Trainable(p).ZerosLike()); err == nil || !strings.Contains(err.Error(), "without a successful Forward") {
		t.Errorf("Backward before Forward: %v", err)
	}
	missing := &tensor.Set{}
	for _, n := range p.Names() {
		if n != "encoder.2.0.bias" {
			missing.Add(n, p.Get(n))
		}
	}
	extra := p.Clone()
	extra.Add("encoder.4.0.weight", tensor.New(1))
	withHead := p.Clone()
	withHead.Add("head.weight", tensor.New(5, 256))
	wrong := p.Clone()
	*wrong.Get("encoder.1.0.weight") = *tensor.New(64, 32, 3, 3)
	nanP := p.Clone()
	nanP.Get("encoder.3.1.weight").Data[7] = float32(math.NaN())
	nanX := x.Clone()
	nanX.Data[100] = float32(math.Inf(1))

	for _, c := range []struct {
		name string
		p    *tensor.Set
		x    *tensor.Tensor
		want string // "" for success
	}{
		{"ok", p, x, ""},
		{"head ignored", withHead, x, ""},
		{"missing", missing, x, `"encoder.2.0.bias"`},
		{"extra", extra, x, `unexpected tensor "encoder.4.0.weight"`},
		{"wrong shape", wrong, x, "[64 32 3 3]"},
		{"nan parameter", nanP, x, "encoder.3.1.weight"},
		{"inf input", p, nanX, "+Inf"},
		{"3 channels", p, tensor.New(2, 3, 28, 28), "[2 3 28 28]"},
		{"32x32", p, tensor.New(2, 1, 32, 32), "[2 1 32 32]"},
		{"empty batch", p, tensor.New(0, 1, 28, 28), "[0 1 28 28]"},
		{"nil input", p, nil, "[]"},
		{"nil parameters", nil, x, "nil parameter set"},
	} {
		for _, embed := range []bool{false, true} {
			var err error
			if embed {
				_, err = m.Embed(c.p, c.x)
			} else {
				_, err = m.Forward(c.p, c.x, true)
			}
			if c.want == "" {
				if err != nil {
					t.Errorf("%s (embed %v): %v", c.name, embed, err)
				}
				continue
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "conv4s2") || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s (embed %v): got %v, want a one-line conv4s2 error containing %q", c.name, embed, err, c.want)
			}
		}
	}
	// A failed Forward leaves nothing for Backward.
	if err := m.Backward(p, tensor.New(2, 256), nn.Trainable(p).ZerosLike()); err == nil || !strings.Contains(err.Error(), "without a successful Forward") {
		t.Errorf("Backward after a failed Forward: %v", err)
	}

	if _, err := m.Forward(p, x, true); err != nil {
		t.Fatal(err)
	}
	g := nn.Trainable(p).ZerosLike()
	gMissing := &tensor.Set{}
	gMissing.Add("encoder.0.0.weight", tensor.New(64, 1, 3, 3))
	gWrong := g.Clone()
	*gWrong.Get("encoder.0.1.bias") = *tensor.New(65)
	nanD := tensor.New(3, 256)
	nanD.Data[5] = float32(math.NaN())
	for _, c := range []struct {
		name string
		d    *tensor.Tensor
		g    *tensor.Set
		want string
	}{
		{"wrong rows", tensor.New(4, 256), g, "[4 256]"},
		{"Conv4's width", tensor.New(3, 64), g, "[3 64]"},
		{"nan", nanD, g, "NaN"},
		{"missing grad", tensor.New(3, 256), gMissing, `"encoder.0.0.bias"`},
		{"wrong grad", tensor.New(3, 256), gWrong, "[65]"},
		{"nil grads", tensor.New(3, 256), nil, "nil gradient set"},
	} {
		if err := m.Backward(p, c.d, c.g); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	if err := m.Backward(p, tensor.New(3, 256), g); err != nil {
		t.Errorf("Backward: %v", err)
	}
}

// TestConv4S2Allocs checks that a forward and backward pass allocate
// nothing once the buffers have grown to the batch size, with a pool and
// serially, in both modes.
func TestConv4S2Allocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	p := nn.NewConv4Params(rng)
	x := randImages(rng, 10)
	g := nn.Trainable(p).ZerosLike()
	dEmb := randGrad(rng, 10, nn.Conv4S2EmbeddingDim)
	pool := gemm.NewPool(2)
	defer pool.Close()
	for _, par := range []nn.Parallel{nil, pool} {
		m := nn.NewConv4S2(par)
		for _, train := range []bool{true, false} {
			step := func() {
				var err error
				if train {
					_, err = m.Forward(p, x, true)
				} else {
					_, err = m.Embed(p, x)
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := m.Backward(p, dEmb, g); err != nil {
					t.Fatal(err)
				}
			}
			step()
			if a := testing.AllocsPerRun(3, step); a != 0 {
				t.Errorf("par %T, train=%v: %v allocations per forward+backward, want 0", par, train, a)
			}
		}
	}
}

func TestNewBackbone(t *testing.T) {
	for _, c := range []struct {
		net string
		dim int
	}{{"", 64}, {"conv4", 64}, {"conv4s2", 256}} {
		b, dim, err := nn.NewBackbone(c.net, nil)
		if err != nil || dim != c.dim {
			t.Fatalf("NewBackbone(%q): dim %d, %v; want %d", c.net, dim, err, c.dim)
		}
		emb, err := b.Embed(nn.NewConv4Params(rand.New(rand.NewPCG(1, 1))), randImages(rand.New(rand.NewPCG(2, 2)), 2))
		if err != nil || !tensor.SameShape(emb.Shape, []int{2, c.dim}) {
			t.Errorf("NewBackbone(%q).Embed: shape %v, %v; want [2 %d]", c.net, emb.Shape, err, c.dim)
		}
	}
	if _, _, err := nn.NewBackbone("resnet", nil); err == nil || !strings.Contains(err.Error(), `"resnet"`) {
		t.Errorf("NewBackbone(resnet): %v, want an error naming it", err)
	}
}

// TestConv4S2BatchSizes checks that one Conv4S2 going from a batch to a
// smaller and a larger one (support set, queries, the next task) computes
// what a fresh one does: its reused buffers carry nothing over.
func TestConv4S2BatchSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(39, 40))
	p := nn.NewConv4Params(rng)
	pool := gemm.NewPool(2)
	defer pool.Close()
	reused := nn.NewConv4S2(pool)
	for _, n := range []int{7, 2, 11, 1} {
		x := randImages(rng, n)
		dEmb := randGrad(rng, n, nn.Conv4S2EmbeddingDim)
		run := func(m *nn.Conv4S2) (*tensor.Tensor, *tensor.Set) {
			q := p.Clone()
			emb, err := m.Forward(q, x, true)
			if err != nil {
				t.Fatal(err)
			}
			g := nn.Trainable(q).ZerosLike()
			if err := m.Backward(q, dEmb, g); err != nil {
				t.Fatal(err)
			}
			return emb.Clone(), g
		}
		e1, g1 := run(reused)
		e2, g2 := run(nn.NewConv4S2(pool))
		if i := closeTo(e2.Data, e1.Data, 0); i >= 0 {
			t.Errorf("n=%d: reused net's embeddings[%d] %g, fresh %g", n, i, e1.Data[i], e2.Data[i])
		}
		for _, name := range g2.Names() {
			if i := closeTo(g2.Get(name).Data, g1.Get(name).Data, 0); i >= 0 {
				t.Errorf("n=%d: reused net's %s[%d] %g, fresh %g", n, name, i, g1.Get(name).Data[i], g2.Get(name).Data[i])
			}
		}
	}
}
