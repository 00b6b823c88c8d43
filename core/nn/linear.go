package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"metaglot/core/tensor"
)

// LinearForward sets y = x·wᵀ + b for x n×in, w out×in (PyTorch's layout),
// b out and y n×out. y must not alias x.
func LinearForward[T Float](y, x, w, b []T, n, in, out int) {
	for s := 0; s < n; s++ {
		xs, ys := x[s*in:(s+1)*in], y[s*out:(s+1)*out]
		for o := 0; o < out; o++ {
			acc := b[o]
			for i, v := range w[o*in : (o+1)*in] {
				acc += v * xs[i]
			}
			ys[o] = acc
		}
	}
}

// LinearBackward writes the gradients of a linear layer given dy (n×out)
// and the forward's x and w: dw = dyᵀ·x (out×in), db = Σ over rows of dy,
// and, if dx is not nil, dx = dy·w (n×in). It overwrites, not accumulates.
func LinearBackward[T Float](dx, dw, db, dy, x, w []T, n, in, out int) {
	clear(dw)
	clear(db)
	if dx != nil {
		clear(dx)
	}
	for s := 0; s < n; s++ {
		xs, dys := x[s*in:(s+1)*in], dy[s*out:(s+1)*out]
		for o, d := range dys {
			db[o] += d
			wo, dwo := w[o*in:(o+1)*in], dw[o*in:(o+1)*in]
			for i, v := range xs {
				dwo[i] += d * v
			}
			if dx != nil {
				dxs := dx[s*in : (s+1)*in]
				for i, v := range wo {
					dxs[i] += d * v
				}
			}
		}
	}
}

// Linear is a fully connected layer y = x·wᵀ + b whose parameters live in a
// tensor.Set under Name+".weight" (Out×In) and Name+".bias" (Out), PyTorch's
// nn.Linear names; e.g. the classifier head "head" that first-order MAML
// puts on top of Conv4.
type Linear struct {
	Name    string
	In, Out int
}

// NewParams returns l's parameters initialised as PyTorch's nn.Linear:
// weight and bias uniform in ±1/√In, drawn from rng.
func (l Linear) NewParams(rng *rand.Rand) *tensor.Set {
	p := &tensor.Set{}
	w, b := tensor.New(l.Out, l.In), tensor.New(l.Out)
	bound := 1 / math.Sqrt(float64(l.In))
	uniform(rng, w.Data, bound)
	uniform(rng, b.Data, bound)
	p.Add(l.Name+".weight", w)
	p.Add(l.Name+".bias", b)
	return p
}

// params returns l's weight and bias from p, or an error naming what is
// missing or misshapen.
func (l Linear) params(p *tensor.Set, what string) (w, b *tensor.Tensor, err error) {
	if p == nil {
		return nil, nil, fmt.Errorf("linear %q: nil %s set", l.Name, what)
	}
	w, b = p.Get(l.Name+".weight"), p.Get(l.Name+".bias")
	switch {
	case w == nil:
		return nil, nil, fmt.Errorf("linear %q: %s lack %q", l.Name, what, l.Name+".weight")
	case b == nil:
		return nil, nil, fmt.Errorf("linear %q: %s lack %q", l.Name, what, l.Name+".bias")
	case !tensor.SameShape(w.Shape, []int{l.Out, l.In}):
		return nil, nil, fmt.Errorf("linear %q: %s %q has shape %v, want [%d %d]", l.Name, what, l.Name+".weight", tensor.ShapeString(w.Shape), l.Out, l.In)
	case !tensor.SameShape(b.Shape, []int{l.Out}):
		return nil, nil, fmt.Errorf("linear %q: %s %q has shape %v, want [%d]", l.Name, what, l.Name+".bias", tensor.ShapeString(b.Shape), l.Out)
	}
	return w, b, nil
}

func (l Linear) checkRows(x *tensor.Tensor, what string, cols int) (int, error) {
	if x == nil || len(x.Shape) != 2 || x.Shape[1] != cols {
		var s []int
		if x != nil {
			s = x.Shape
		}
		return 0, fmt.Errorf("linear %q: %s has shape %v, want [N %d]", l.Name, what, tensor.ShapeString(s), cols)
	}
	return x.Shape[0], nil
}

// Forward writes y = x·wᵀ + b for x N×In into y (N×Out) with the
// parameters in p. It returns an error naming the problem if a shape does
// not match or p lacks a parameter.
func (l Linear) Forward(p *tensor.Set, x, y *tensor.Tensor) error {
	w, b, err := l.params(p, "parameters")
	if err != nil {
		return err
	}
	n, err := l.checkRows(x, "input", l.In)
	if err != nil {
		return err
	}
	if ny, err := l.checkRows(y, "output", l.Out); err != nil {
		return err
	} else if ny != n {
		return fmt.Errorf("linear %q: output has shape %v, want [%d %d]", l.Name, tensor.ShapeString(y.Shape), n, l.Out)
	}
	LinearForward(y.Data, x.Data, w.Data, b.Data, n, l.In, l.Out)
	return nil
}

// Backward writes the gradients of the loss with respect to l's weight and
// bias into grads (same names; overwritten, not accumulated) and, if dx is
// not nil, with respect to the input into dx (N×In), given dy (N×Out) and
// the x of the forward pass.
func (l Linear) Backward(p *tensor.Set, x, dy, dx *tensor.Tensor, grads *tensor.Set) error {
	w, _, err := l.params(p, "parameters")
	if err != nil {
		return err
	}
	dw, db, err := l.params(grads, "gradients")
	if err != nil {
		return err
	}
	n, err := l.checkRows(x, "input", l.In)
	if err != nil {
		return err
	}
	if nd, err := l.checkRows(dy, "output gradient", l.Out); err != nil {
		return err
	} else if nd != n {
		return fmt.Errorf("linear %q: output gradient has shape %v, want [%d %d]", l.Name, tensor.ShapeString(dy.Shape), n, l.Out)
	}
	if err := dy.CheckFinite("linear " + l.Name + " output gradient"); err != nil {
		return err
	}
	var dxd []float32
	if dx != nil {
		if !tensor.SameShape(dx.Shape, x.Shape) {
			return fmt.Errorf("linear %q: input gradient has shape %v, want %v", l.Name, tensor.ShapeString(dx.Shape), tensor.ShapeString(x.Shape))
		}
		dxd = dx.Data
	}
	LinearBackward(dxd, dw.Data, db.Data, dy.Data, x.Data, w.Data, n, l.In, l.Out)
	return nil
}
