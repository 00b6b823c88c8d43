package nn_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/nn"
	"metaglot/core/tensor"
)

func TestLinearHead(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	l := nn.Linear{Name: "head", In: 64, Out: 5}
	p := l.NewParams(rng)
	if p.Len() != 2 || !tensor.SameShape(p.Get("head.weight").Shape, []int{5, 64}) || !tensor.SameShape(p.Get("head.bias").Shape, []int{5}) {
		t.Fatalf("params %v", p.Names())
	}
	for _, v := range p.Get("head.weight").Data {
		if math.Abs(float64(v)) > 1.0/8 {
			t.Fatalf("weight %g outside ±1/√64", v)
		}
	}
	x := tensor.New(3, 64)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	y := tensor.New(3, 5)
	if err := l.Forward(p, x, y); err != nil {
		t.Fatal(err)
	}
	// y[1][2] by the definition.
	want := float64(p.Get("head.bias").Data[2])
	for i := 0; i < 64; i++ {
		want += float64(p.Get("head.weight").Data[2*64+i]) * float64(x.Data[64+i])
	}
	if math.Abs(float64(y.Data[1*5+2])-want) > 1e-5 {
		t.Errorf("y[1,2] = %g, want %g", y.Data[7], want)
	}
	g := p.ZerosLike()
	dx := tensor.New(3, 64)
	if err := l.Backward(p, x, y, dx, g); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"input shape", l.Forward(p, tensor.New(3, 63), y), "[3 63]"},
		{"output shape", l.Forward(p, x, tensor.New(4, 5)), "[4 5]"},
		{"missing bias", l.Forward(&tensor.Set{}, x, y), `"head.weight"`},
		{"nil output", l.Forward(p, x, nil), "output has shape []"},
		{"nil gradient", l.Backward(p, x, nil, nil, g), "output gradient has shape []"},
		{"nan gradient", l.Backward(p, x, tensor.FromData(append([]float32{float32(math.NaN())}, make([]float32, 14)...), 3, 5), nil, g), "NaN"},
		{"grad set", l.Backward(p, x, y, nil, &tensor.Set{}), "gradients lack"},
		{"dx shape", l.Backward(p, x, y, tensor.New(2, 64), g), "[2 64]"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, c.err, c.want)
		}
	}
}
