package optim

import (
	"fmt"
	"math"

	"metaglot/core/tensor"
)

// AdamConfig holds Adam's hyperparameters. A zero field means its default,
// PyTorch's: LR 1e-3, Beta1 0.9, Beta2 0.999, Eps 1e-8, WeightDecay 0.
// (So a β or ε of exactly zero cannot be asked for; use a tiny value.)
type AdamConfig struct {
	LR          float32 // learning rate η; 0 means 1e-3
	Beta1       float32 // decay of the first moment, in [0, 1); 0 means 0.9
	Beta2       float32 // decay of the second moment, in [0, 1); 0 means 0.999
	Eps         float32 // added to the denominator after the square root; 0 means 1e-8
	WeightDecay float32 // L2 penalty λ added to the gradient (not AdamW); 0 means none
}

// withDefaults returns c with zero fields replaced by their defaults. It
// panics if a field is out of range.
func (c AdamConfig) withDefaults() AdamConfig {
	c.LR = orDefault(c.LR, 1e-3)
	c.Beta1 = orDefault(c.Beta1, 0.9)
	c.Beta2 = orDefault(c.Beta2, 0.999)
	c.Eps = orDefault(c.Eps, 1e-8)
	checkRate("adam", c.LR)
	for _, b := range []struct {
		name string
		v    float32
	}{{"Beta1", c.Beta1}, {"Beta2", c.Beta2}} {
		if !(b.v >= 0 && b.v < 1) {
			panic(fmt.Sprintf("optim: adam: %s %v, want a value in [0, 1)", b.name, b.v))
		}
	}
	if !(c.Eps > 0) || math.IsInf(float64(c.Eps), 0) {
		panic(fmt.Sprintf("optim: adam: Eps %v, want a finite value > 0", c.Eps))
	}
	if !(c.WeightDecay >= 0) || math.IsInf(float64(c.WeightDecay), 0) {
		panic(fmt.Sprintf("optim: adam: WeightDecay %v, want a finite value >= 0", c.WeightDecay))
	}
	return c
}

// Adam is the Adam optimizer with PyTorch's semantics (see the package
// documentation for the update rule).
type Adam struct {
	cfg AdamConfig

	layout
	m, v  []*tensor.Tensor // moments, one per parameter, in layout order
	t     []int64          // steps that updated each parameter
	steps int64            // calls of Step that succeeded
}

// NewAdam returns an Adam optimizer for parameters with the names and
// shapes of trainable (whose values it does not keep), its moments zero.
// It panics if cfg holds an out-of-range value (see AdamConfig).
func NewAdam(trainable *tensor.Set, cfg AdamConfig) *Adam {
	a := &Adam{cfg: cfg.withDefaults(), layout: newLayout("adam", trainable)}
	for _, s := range a.shapes {
		a.m = append(a.m, tensor.New(s...))
		a.v = append(a.v, tensor.New(s...))
	}
	a.t = make([]int64, len(a.shapes))
	return a
}

// Config returns the optimizer's hyperparameters with defaults filled in
// and the current learning rate.
func (a *Adam) Config() AdamConfig { return a.cfg }

// LR returns the learning rate.
func (a *Adam) LR() float32 { return a.cfg.LR }

// SetLR sets the learning rate used by the following steps (0 freezes the
// parameters but still advances the moments). It panics if lr is negative,
// NaN or infinite.
func (a *Adam) SetLR(lr float32) {
	checkRate("adam", lr)
	a.cfg.LR = lr
}

// Steps returns the number of successful calls of Step, counting those
// restored by LoadState.
func (a *Adam) Steps() int64 { return a.steps }

// Step updates params[name] in place for every name in grads, which may
// hold any subset of the optimizer's parameters; the others, and their
// moments, are left as they are.
//
// It returns an error, and changes nothing, if grads holds a name the
// optimizer was not built for, params lacks a name of grads, a shape
// differs from the one the optimizer was built with, or a gradient holds a
// NaN or an Inf. Step does not allocate.
func (a *Adam) Step(params, grads *tensor.Set) error {
	if err := a.check(params, grads); err != nil {
		return err
	}
	a.steps++
	b1, b2 := float64(a.cfg.Beta1), float64(a.cfg.Beta2)
	for i := range grads.Len() {
		name, g := grads.At(i)
		j := a.index[name]
		a.t[j]++
		// Bias corrections in float64, as PyTorch computes them in Python.
		bc1 := 1 - math.Pow(b1, float64(a.t[j]))
		bc2 := 1 - math.Pow(b2, float64(a.t[j]))
		adamUpdate(params.Get(name).Data, g.Data, a.m[j].Data, a.v[j].Data, a.cfg,
			float32(-float64(a.cfg.LR)/bc1), float32(math.Sqrt(bc2)))
	}
	return nil
}

// adamUpdate applies one Adam step to p given its gradient g and moments m
// and v, all of one length, with negStep = −η/(1−β1ᵗ) and
// bc2sqrt = √(1−β2ᵗ). The order of operations is PyTorch's.
func adamUpdate(p, g, m, v []float32, cfg AdamConfig, negStep, bc2sqrt float32) {
	p, m, v = p[:len(g)], m[:len(g)], v[:len(g)]
	b1, b2 := cfg.Beta1, cfg.Beta2
	omb1, omb2 := 1-b1, 1-b2
	wd, eps := cfg.WeightDecay, cfg.Eps
	for k, d := range g {
		if wd != 0 {
			d += wd * p[k]
		}
		m[k] = m[k]*b1 + omb1*d
		v[k] = v[k]*b2 + omb2*d*d
		denom := float32(math.Sqrt(float64(v[k])))/bc2sqrt + eps
		p[k] += negStep * m[k] / denom
	}
}

// State returns a copy of the optimizer's state: "adam.step" (shape [1],
// the number of Steps), then for each parameter in order
// "adam.step.<name>" ([1], the steps that updated it), "adam.m.<name>" and
// "adam.v.<name>" (the parameter's shape). Counts are exact up to 2²⁴.
func (a *Adam) State() *tensor.Set {
	s := &tensor.Set{}
	s.Add("adam.step", tensor.FromData([]float32{float32(a.steps)}, 1))
	for j, name := range a.names {
		s.Add("adam.step."+name, tensor.FromData([]float32{float32(a.t[j])}, 1))
		s.Add("adam.m."+name, a.m[j].Clone())
		s.Add("adam.v."+name, a.v[j].Clone())
	}
	return s
}

// LoadState replaces the optimizer's state with s, as returned by State of
// an Adam built for the same parameters. It returns an error, and changes
// nothing, if s lacks a tensor, has an extra one or one of another shape,
// holds a NaN or an Inf, a negative second moment, or a step count that is
// not a whole number no larger than "adam.step". The learning rate and
// other hyperparameters are not part of the state.
func (a *Adam) LoadState(s *tensor.Set) error {
	if err := checkState("adam", s, a.State()); err != nil {
		return err
	}
	steps, err := checkCount("adam", "adam.step", s.Get("adam.step"), 1<<24)
	if err != nil {
		return err
	}
	t := make([]int64, len(a.names))
	for j, name := range a.names {
		key := "adam.step." + name
		if t[j], err = checkCount("adam", key, s.Get(key), steps); err != nil {
			return err
		}
		for k, x := range s.Get("adam.v." + name).Data {
			if x < 0 {
				return fmt.Errorf("optim: adam: load state: \"adam.v.%s\" element %d is %v, want >= 0", name, k, x)
			}
		}
	}
	a.steps = steps
	copy(a.t, t)
	for j, name := range a.names {
		copy(a.m[j].Data, s.Get("adam.m."+name).Data)
		copy(a.v[j].Data, s.Get("adam.v."+name).Data)
	}
	return nil
}
