package optim

import (
	"fmt"
	"math"

	"metaglot/core/tensor"
)

// RMSPropConfig holds RMSProp's hyperparameters. A zero LR, Alpha or Eps
// means its default, PyTorch's: LR 0.01, Alpha 0.99, Eps 1e-8; the other
// zero fields mean what they say: no momentum, no weight decay, not
// centered.
type RMSPropConfig struct {
	LR          float32 // learning rate η; 0 means 0.01
	Alpha       float32 // decay ρ of the mean square, in [0, 1); 0 means 0.99
	Eps         float32 // added to the denominator after the square root; 0 means 1e-8
	Momentum    float32 // momentum μ in [0, 1); 0 means none
	WeightDecay float32 // L2 penalty λ added to the gradient; 0 means none
	// Centered divides by an estimate of the gradient's variance (the mean
	// square less the square of the mean gradient) instead of its mean
	// square, as Graves (2013) does.
	Centered bool
}

func (c RMSPropConfig) withDefaults() RMSPropConfig {
	c.LR = orDefault(c.LR, 0.01)
	c.Alpha = orDefault(c.Alpha, 0.99)
	c.Eps = orDefault(c.Eps, 1e-8)
	checkRate("rmsprop", c.LR)
	if !(c.Alpha >= 0 && c.Alpha < 1) {
		panic(fmt.Sprintf("optim: rmsprop: Alpha %v, want a value in [0, 1)", c.Alpha))
	}
	if !(c.Eps > 0) || math.IsInf(float64(c.Eps), 0) {
		panic(fmt.Sprintf("optim: rmsprop: Eps %v, want a finite value > 0", c.Eps))
	}
	if !(c.Momentum >= 0 && c.Momentum < 1) {
		panic(fmt.Sprintf("optim: rmsprop: Momentum %v, want a value in [0, 1)", c.Momentum))
	}
	if !(c.WeightDecay >= 0) || math.IsInf(float64(c.WeightDecay), 0) {
		panic(fmt.Sprintf("optim: rmsprop: WeightDecay %v, want a finite value >= 0", c.WeightDecay))
	}
	return c
}

// RMSProp is Tieleman and Hinton's RMSProp with PyTorch's semantics (see
// the package documentation for the update rule): each parameter's step
// is its gradient divided by the root of a running mean of the squared
// gradient, optionally through a momentum buffer.
type RMSProp struct {
	cfg RMSPropConfig

	layout
	sq   []*tensor.Tensor // running mean squares, one per parameter, in layout order
	buf  []*tensor.Tensor // momentum buffers; nil when μ = 0
	mean []*tensor.Tensor // running mean gradients; nil unless Centered
	// steps counts the calls of Step that succeeded (the update does not
	// use it: it is kept, like PyTorch's "step", to say how far a run is).
	steps int64
}

// NewRMSProp returns an RMSProp optimizer for parameters with the names
// and shapes of trainable (whose values it does not keep), its state zero.
// It panics if cfg holds an out-of-range value (see RMSPropConfig).
func NewRMSProp(trainable *tensor.Set, cfg RMSPropConfig) *RMSProp {
	o := &RMSProp{cfg: cfg.withDefaults(), layout: newLayout("rmsprop", trainable)}
	for _, s := range o.shapes {
		o.sq = append(o.sq, tensor.New(s...))
		if o.cfg.Momentum != 0 {
			o.buf = append(o.buf, tensor.New(s...))
		}
		if o.cfg.Centered {
			o.mean = append(o.mean, tensor.New(s...))
		}
	}
	return o
}

// Config returns the optimizer's hyperparameters with defaults filled in
// and the current learning rate.
func (o *RMSProp) Config() RMSPropConfig { return o.cfg }

// LR returns the learning rate.
func (o *RMSProp) LR() float32 { return o.cfg.LR }

// SetLR sets the learning rate used by the following steps (0 freezes the
// parameters but still advances the running means). It panics if lr is
// negative, NaN or infinite.
func (o *RMSProp) SetLR(lr float32) {
	checkRate("rmsprop", lr)
	o.cfg.LR = lr
}

// Steps returns the number of successful calls of Step, counting those
// restored by LoadState.
func (o *RMSProp) Steps() int64 { return o.steps }

// Step updates params[name] in place for every name in grads, which may
// hold any subset of the optimizer's parameters; the others, and their
// state, are left as they are.
//
// It returns an error, and changes nothing, if grads holds a name the
// optimizer was not built for, params lacks a name of grads, a shape
// differs from the one the optimizer was built with, or a gradient holds a
// NaN or an Inf. Step does not allocate.
func (o *RMSProp) Step(params, grads *tensor.Set) error {
	if err := o.check(params, grads); err != nil {
		return err
	}
	o.steps++
	for i := range grads.Len() {
		name, g := grads.At(i)
		j := o.index[name]
		var buf, mean []float32
		if o.buf != nil {
			buf = o.buf[j].Data
		}
		if o.mean != nil {
			mean = o.mean[j].Data
		}
		rmspropUpdate(params.Get(name).Data, g.Data, o.sq[j].Data, buf, mean, o.cfg)
	}
	return nil
}

// rmspropUpdate applies one RMSProp step to p given its gradient g, its
// mean square sq, momentum buffer buf (nil without momentum) and mean
// gradient mean (nil unless centered), all of one length. The order of
// operations is PyTorch's.
func rmspropUpdate(p, g, sq, buf, mean []float32, cfg RMSPropConfig) {
	p, sq = p[:len(g)], sq[:len(g)]
	lr, a, oma, eps, mu, wd := cfg.LR, cfg.Alpha, 1-cfg.Alpha, cfg.Eps, cfg.Momentum, cfg.WeightDecay
	for k, d := range g {
		if wd != 0 {
			d += wd * p[k]
		}
		sq[k] = sq[k]*a + oma*d*d
		v := sq[k]
		if mean != nil {
			// torch: grad_avg.lerp_(grad, 1−α), then square_avg − grad_avg².
			mean[k] += oma * (d - mean[k])
			v -= mean[k] * mean[k]
		}
		avg := float32(math.Sqrt(float64(v))) + eps
		if buf != nil {
			buf[k] = buf[k]*mu + d/avg
			p[k] -= lr * buf[k]
		} else {
			p[k] += -lr * (d / avg)
		}
	}
}

// State returns a copy of the optimizer's state: "rmsprop.step" (shape
// [1], the number of Steps), then for each parameter in order
// "rmsprop.square_avg.<name>", with momentum "rmsprop.momentum.<name>" and
// when centered "rmsprop.grad_avg.<name>" (the parameter's shape). The
// count is exact up to 2²⁴.
func (o *RMSProp) State() *tensor.Set {
	s := &tensor.Set{}
	s.Add("rmsprop.step", tensor.FromData([]float32{float32(o.steps)}, 1))
	for j, name := range o.names {
		s.Add("rmsprop.square_avg."+name, o.sq[j].Clone())
		if o.buf != nil {
			s.Add("rmsprop.momentum."+name, o.buf[j].Clone())
		}
		if o.mean != nil {
			s.Add("rmsprop.grad_avg."+name, o.mean[j].Clone())
		}
	}
	return s
}

// LoadState replaces the optimizer's state with s, as returned by State of
// an RMSProp built for the same parameters, momentum and centering. It
// returns an error, and changes nothing, if s lacks a tensor, has an extra
// one or one of another shape, holds a NaN or an Inf, a negative mean
// square, or a step count that is not a whole number. The learning rate
// and other hyperparameters are not part of the state.
func (o *RMSProp) LoadState(s *tensor.Set) error {
	if err := checkState("rmsprop", s, o.State()); err != nil {
		return err
	}
	steps, err := checkCount("rmsprop", "rmsprop.step", s.Get("rmsprop.step"), 1<<24)
	if err != nil {
		return err
	}
	for _, name := range o.names {
		for k, x := range s.Get("rmsprop.square_avg." + name).Data {
			if x < 0 {
				return fmt.Errorf("optim: rmsprop: load state: \"rmsprop.square_avg.%s\" element %d is %v, want >= 0", name, k, x)
			}
		}
	}
	o.steps = steps
	for j, name := range o.names {
		copy(o.sq[j].Data, s.Get("rmsprop.square_avg."+name).Data)
		if o.buf != nil {
			copy(o.buf[j].Data, s.Get("rmsprop.momentum."+name).Data)
		}
		if o.mean != nil {
			copy(o.mean[j].Data, s.Get("rmsprop.grad_avg."+name).Data)
		}
	}
	return nil
}
