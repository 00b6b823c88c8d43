// Package optim updates a network's parameters from their gradients: SGD
// (with optional momentum, Nesterov momentum and weight decay), Adam and
// RMSProp.
//
// All three follow PyTorch's torch.optim exactly, step for step, so that a run
// here and a run in PyTorch from the same weights and gradients agree to
// float32 rounding. The tests check this against numbers produced by
// torch.optim itself (testdata/gen_golden.py, run by hand).
//
// # SGD
//
// With learning rate η, momentum μ and weight decay λ, for each parameter p
// with gradient g:
//
//	d = g + λ·p
//	b = μ·b + d          (b starts at d on the first step, as in PyTorch)
//	p = p − η·b          (plain momentum; b = d when μ = 0)
//	p = p − η·(d + μ·b)  (Nesterov)
//
// Dampening is not offered (PyTorch's default of 0 is what this does).
//
// # Adam
//
// Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, in
// PyTorch's form: with step count t of the parameter,
//
//	d = g + λ·p                      (L2 weight decay, not AdamW)
//	m = β1·m + (1−β1)·d
//	v = β2·v + (1−β2)·d²
//	p = p − (η / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
//
// ε is added after the square root and the bias correction, as PyTorch does.
//
// # RMSProp
//
// Tieleman & Hinton (2012, Coursera lecture 6.5), in PyTorch's form
// (torch.optim.RMSprop): with decay ρ (PyTorch's alpha) and momentum μ,
//
//	d = g + λ·p
//	s = ρ·s + (1−ρ)·d²               (the mean square)
//	a = √s + ε                       (centered: a = √(s − ḡ²) + ε, ḡ = ρ·ḡ + (1−ρ)·d)
//	b = μ·b + d/a;  p = p − η·b      (with momentum)
//	p = p − η·d/a                    (without)
//
// Santoro et al. (2016) trained their memory-augmented network with it
// (ρ 0.95, μ 0.9, η 1e-4); package mann offers it beside Adam.
// Each parameter keeps its own step count t, which advances only on the
// steps that give it a gradient: a Step whose grads omit a parameter leaves
// it, and its moments, exactly as they were (PyTorch's behaviour for a
// parameter whose .grad is None).
//
// # Usage
//
//	opt := optim.NewAdam(params, optim.AdamConfig{}) // lr 1e-3, betas 0.9/0.999, eps 1e-8
//	for step := range steps {
//		grads := ...                           // same names and shapes as params
//		if err := opt.Step(params, grads); err != nil {
//			return fmt.Errorf("step %d: %w", step, err)
//		}
//	}
//
// The trainable set given to the constructor is only a template: the
// optimizer records its names and shapes and allocates its own state; Step
// may then be given any Set with those names and shapes.
//
// # Errors
//
// Step is all-or-nothing: it checks every gradient first (a name the
// optimizer does not know, a parameter missing from params, a shape that
// differs, a NaN or an Inf) and returns an error naming the parameter and
// the shapes without changing anything. A NaN gradient therefore stops
// training with a clear message instead of silently poisoning the weights.
// LoadState is all-or-nothing in the same way. Invalid hyperparameters (a
// negative learning rate, β outside [0, 1)) are programmer errors and panic
// with a message prefixed "optim: ".
//
// # State
//
// State returns the optimizer's state as a tensor.Set with stable names, so
// it can be written next to the weights with package checkpoint and given
// back to LoadState to continue a run exactly where it stopped:
//
//	adam.step              [1]      number of Step calls
//	adam.step.<param>      [1]      steps that updated <param>
//	adam.m.<param>         shape of <param>: first moment
//	adam.v.<param>         shape of <param>: second moment
//	sgd.momentum.<param>   shape of <param>: momentum buffer (μ ≠ 0 only)
//	rmsprop.step                [1]   number of Step calls
//	rmsprop.square_avg.<param>  shape of <param>: mean square
//	rmsprop.momentum.<param>    shape of <param>: momentum buffer (μ ≠ 0 only)
//	rmsprop.grad_avg.<param>    shape of <param>: mean gradient (centered only)
//
// Step counts are stored as float32, exact up to 2²⁴ steps.
//
// Step does not allocate.
package optim
