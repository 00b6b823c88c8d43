package optim

import (
	"fmt"
	"math"

	"metaglot/core/tensor"
)

// SGDConfig holds SGD's hyperparameters. A zero LR means 0.01; the other
// zero fields mean what they say: no momentum, no weight decay, plain
// (not Nesterov) momentum.
type SGDConfig struct {
	LR          float32 // learning rate η; 0 means 0.01
	Momentum    float32 // momentum μ in [0, 1); 0 means none
	WeightDecay float32 // L2 penalty λ added to the gradient; 0 means none
	Nesterov    bool    // Nesterov momentum; needs Momentum > 0
}

func (c SGDConfig) withDefaults() SGDConfig {
	c.LR = orDefault(c.LR, 0.01)
	checkRate("sgd", c.LR)
	if !(c.Momentum >= 0 && c.Momentum < 1) {
		panic(fmt.Sprintf("optim: sgd: Momentum %v, want a value in [0, 1)", c.Momentum))
	}
	if !(c.WeightDecay >= 0) || math.IsInf(float64(c.WeightDecay), 0) {
		panic(fmt.Sprintf("optim: sgd: WeightDecay %v, want a finite value >= 0", c.WeightDecay))
	}
	if c.Nesterov && c.Momentum == 0 {
		panic("optim: sgd: Nesterov momentum needs Momentum > 0")
	}
	return c
}

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and weight decay, with PyTorch's semantics (see the package
// documentation for the update rule).
type SGD struct {
	cfg SGDConfig

	layout
	buf []*tensor.Tensor // momentum buffers in layout order; nil when μ = 0
}

// NewSGD returns an SGD optimizer for parameters with the names and shapes
// of trainable (whose values it does not keep), its momentum buffers zero.
// It panics if cfg holds an out-of-range value (see SGDConfig).
func NewSGD(trainable *tensor.Set, cfg SGDConfig) *SGD {
	o := &SGD{cfg: cfg.withDefaults(), layout: newLayout("sgd", trainable)}
	if o.cfg.Momentum != 0 {
		for _, s := range o.shapes {
			o.buf = append(o.buf, tensor.New(s...))
		}
	}
	return o
}

// Config returns the optimizer's hyperparameters with defaults filled in
// and the current learning rate.
func (o *SGD) Config() SGDConfig { return o.cfg }

// LR returns the learning rate.
func (o *SGD) LR() float32 { return o.cfg.LR }

// SetLR sets the learning rate used by the following steps. It panics if
// lr is negative, NaN or infinite.
func (o *SGD) SetLR(lr float32) {
	checkRate("sgd", lr)
	o.cfg.LR = lr
}

// Step updates params[name] in place for every name in grads, which may
// hold any subset of the optimizer's parameters; the others, and their
// momentum buffers, are left as they are.
//
// It returns an error, and changes nothing, if grads holds a name the
// optimizer was not built for, params lacks a name of grads, a shape
// differs from the one the optimizer was built with, or a gradient holds a
// NaN or an Inf. Step does not allocate.
func (o *SGD) Step(params, grads *tensor.Set) error {
	if err := o.check(params, grads); err != nil {
		return err
	}
	for i := range grads.Len() {
		name, g := grads.At(i)
		j := o.index[name]
		var buf []float32
		if o.buf != nil {
			buf = o.buf[j].Data
		}
		sgdUpdate(params.Get(name).Data, g.Data, buf, o.cfg)
	}
	return nil
}

// sgdUpdate applies one SGD step to p given its gradient g and momentum
// buffer buf (nil without momentum), all of one length. Starting buf at
// zero gives exactly PyTorch's first step, which sets buf to the gradient.
func sgdUpdate(p, g, buf []float32, cfg SGDConfig) {
	p = p[:len(g)]
	lr, mu, wd := cfg.LR, cfg.Momentum, cfg.WeightDecay
	if buf == nil {
		for k, d := range g {
			if wd != 0 {
				d += wd * p[k]
			}
			p[k] -= lr * d
		}
		return
	}
	buf = buf[:len(g)]
	for k, d := range g {
		if wd != 0 {
			d += wd * p[k]
		}
		buf[k] = buf[k]*mu + d
		if cfg.Nesterov {
			d += mu * buf[k]
		} else {
			d = buf[k]
		}
		p[k] -= lr * d
	}
}

// State returns a copy of the optimizer's state: "sgd.momentum.<name>"
// (the parameter's shape) for each parameter in order, or an empty set
// without momentum.
func (o *SGD) State() *tensor.Set {
	s := &tensor.Set{}
	for j, name := range o.names {
		if o.buf != nil {
			s.Add("sgd.momentum."+name, o.buf[j].Clone())
		}
	}
	return s
}

// LoadState replaces the optimizer's state with s, as returned by State of
// an SGD built for the same parameters and momentum setting. It returns an
// error, and changes nothing, if s lacks a tensor, has an extra one or one
// of another shape, or holds a NaN or an Inf.
func (o *SGD) LoadState(s *tensor.Set) error {
	if err := checkState("sgd", s, o.State()); err != nil {
		return err
	}
	for j, name := range o.names {
		if o.buf != nil {
			copy(o.buf[j].Data, s.Get("sgd.momentum."+name).Data)
		}
	}
	return nil
}
