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

func randImages(rng *rand.Rand, n int) *tensor.Tensor {
	x := tensor.New(n, 1, nn.ImageSize, nn.ImageSize)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	return x
}

func TestConv4Names(t *testing.T) {
	p := nn.NewConv4Params(rand.New(rand.NewPCG(1, 2)))
	want := []string{"encoder.0.0.weight", "encoder.0.0.bias", "encoder.0.1.weight", "encoder.0.1.bias",
		"encoder.0.1.running_mean", "encoder.0.1.running_var"}
	if got := p.Names()[:6]; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("first names %v, want %v", got, want)
	}
	if p.Len() != 24 || strings.Join(p.Names(), " ") != strings.Join(nn.Conv4Names(), " ") {
		t.Errorf("NewConv4Params names %v, Conv4Names %v", p.Names(), nn.Conv4Names())
	}
	tr := nn.Trainable(p)
	if tr.Len() != 16 || tr.Has("encoder.2.1.running_var") || !tr.Has("encoder.2.1.bias") {
		t.Errorf("Trainable names %v", tr.Names())
	}
	if tr.Get("encoder.3.0.weight") != p.Get("encoder.3.0.weight") {
		t.Error("Trainable copies tensors; want them shared")
	}
	// PyTorch's default initialisation bounds.
	for name, bound := range map[string]float64{"encoder.0.0.weight": 1.0 / 3, "encoder.1.0.weight": 1.0 / 24, "encoder.1.0.bias": 1.0 / 24} {
		var mx float64
		for _, v := range p.Get(name).Data {
			mx = math.Max(mx, math.Abs(float64(v)))
		}
		if mx > bound || mx < 0.9*bound {
			t.Errorf("%s: largest |value| %g, want just under %g", name, mx, bound)
		}
	}
	if p.Get("encoder.1.1.weight").Data[5] != 1 || p.Get("encoder.1.1.running_var").Data[5] != 1 || p.Get("encoder.1.1.running_mean").Data[5] != 0 {
		t.Error("BatchNorm not initialised to weight 1, running var 1, running mean 0")
	}
}

// TestConv4Threads checks that one and two workers give the same
// embeddings and gradients (up to float32 summation order).
func TestConv4Threads(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := nn.NewConv4Params(rng)
	x := randImages(rng, 10)
	dEmb := tensor.New(10, nn.EmbeddingDim)
	for i := range dEmb.Data {
		dEmb.Data[i] = float32(rng.NormFloat64())
	}
	run := func(par nn.Parallel) (*tensor.Tensor, *tensor.Set) {
		q := p.Clone()
		m := nn.NewConv4(par)
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
	pool := gemm.NewPool(2)
	defer pool.Close()
	e1, g1 := run(nil)
	e2, g2 := run(pool)
	close := func(name string, a, b []float32) {
		var scale float64
		for _, v := range a {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-5*scale {
				t.Errorf("%s[%d]: 1 worker %g, 2 workers %g", name, i, a[i], b[i])
				return
			}
		}
	}
	close("embeddings", e1.Data, e2.Data)
	for _, n := range g1.Names() {
		close(n, g1.Get(n).Data, g2.Get(n).Data)
	}
}

func TestConv4BadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := nn.NewConv4Params(rng)
	m := nn.NewConv4(nil)
	x := randImages(rng, 3)

	if err := m.Backward(p, tensor.New(3, 64), nn.Trainable(p).ZerosLike()); err == nil || !strings.Contains(err.Error(), "without a successful Forward") {
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
	withHead.Add("head.weight", tensor.New(5, 64))
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
		_, err := m.Forward(c.p, c.x, true)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}

	if _, err := m.Forward(p, x, true); err != nil {
		t.Fatal(err)
	}
	g := nn.Trainable(p).ZerosLike()
	gMissing := &tensor.Set{}
	gMissing.Add("encoder.0.0.weight", tensor.New(64, 1, 3, 3))
	gWrong := g.Clone()
	*gWrong.Get("encoder.0.1.bias") = *tensor.New(65)
	nanD := tensor.New(3, 64)
	nanD.Data[5] = float32(math.NaN())
	for _, c := range []struct {
		name string
		d    *tensor.Tensor
		g    *tensor.Set
		want string
	}{
		{"wrong rows", tensor.New(4, 64), g, "[4 64]"},
		{"nan", nanD, g, "NaN"},
		{"missing grad", tensor.New(3, 64), gMissing, `"encoder.0.0.bias"`},
		{"wrong grad", tensor.New(3, 64), gWrong, "[65]"},
		{"nil grads", tensor.New(3, 64), nil, "nil gradient set"},
	} {
		if err := m.Backward(p, c.d, c.g); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	if err := m.Backward(p, tensor.New(3, 64), g); err != nil {
		t.Errorf("Backward: %v", err)
	}
}

// TestConv4Allocs checks that a forward and backward pass allocate nothing
// once the buffers have grown to the batch size.
func TestConv4Allocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p := nn.NewConv4Params(rng)
	x := randImages(rng, 8)
	g := nn.Trainable(p).ZerosLike()
	dEmb := tensor.New(8, 64)
	pool := gemm.NewPool(2)
	defer pool.Close()
	m := nn.NewConv4(pool)
	step := func() {
		if _, err := m.Forward(p, x, true); err != nil {
			t.Fatal(err)
		}
		if err := m.Backward(p, dEmb, g); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if a := testing.AllocsPerRun(3, step); a != 0 {
		t.Errorf("%v allocations per forward+backward, want 0", a)
	}
}

// TestConv4Embed checks Embed (BatchNorm folded) against Forward in
// inference mode on trained-looking parameters, and that it rejects what
// Forward rejects.
func TestConv4Embed(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p := nn.NewConv4Params(rng)
	for _, name := range p.Names() {
		if strings.Contains(name, ".1.") { // BatchNorm: move it off its initial state
			d := p.Get(name).Data
			for i := range d {
				d[i] += float32(0.5 * rng.Float64())
			}
		}
	}
	x := randImages(rng, 5)
	m := nn.NewConv4(nil)
	want, err := m.Forward(p, x, false)
	if err != nil {
		t.Fatal(err)
	}
	want = want.Clone()
	got, err := nn.NewConv4(nil).Embed(p, x)
	if err != nil {
		t.Fatal(err)
	}
	var scale float64
	for _, v := range want.Data {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range want.Data {
		if math.Abs(float64(got.Data[i]-want.Data[i])) > 1e-5*scale {
			t.Fatalf("Embed[%d] = %g, Forward %g", i, got.Data[i], want.Data[i])
		}
	}
	if _, err := m.Embed(p, randImages(rng, 0)); err == nil {
		t.Error("Embed of an empty batch: no error")
	}
	bad := p.Clone()
	bad.Get("encoder.2.1.running_var").Data[3] = float32(math.NaN())
	if _, err := m.Embed(bad, x); err == nil || !strings.Contains(err.Error(), "running_var") {
		t.Errorf("Embed with a NaN running variance: error %v", err)
	}
}
