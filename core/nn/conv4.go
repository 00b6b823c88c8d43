package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"metaglot/core/tensor"
)

// Conv4Names returns the names of Conv4's parameters in PyTorch's
// state_dict order: for each block i, "encoder.{i}.0.weight" and
// "encoder.{i}.0.bias" (the convolution), then "encoder.{i}.1.weight",
// "encoder.{i}.1.bias" (trainable) and "encoder.{i}.1.running_mean",
// "encoder.{i}.1.running_var" (buffers) of the BatchNorm.
func Conv4Names() []string {
	var names []string
	for i := range Blocks {
		b := blockNames(i)
		names = append(names, b[:]...)
	}
	return names
}

// blockNames returns the six parameter names of block i in the order of the
// BlockParams fields.
func blockNames(i int) [6]string {
	p := fmt.Sprintf("encoder.%d.", i)
	return [6]string{p + "0.weight", p + "0.bias", p + "1.weight", p + "1.bias", p + "1.running_mean", p + "1.running_var"}
}

// IsBuffer reports whether name is a Conv4 buffer (a BatchNorm running
// statistic), which training updates but no optimizer should.
func IsBuffer(name string) bool {
	return strings.HasSuffix(name, ".running_mean") || strings.HasSuffix(name, ".running_var")
}

// conv4Shapes returns a set with Conv4's names and shapes whose tensors
// have no data: the specification that parameters are checked against.
func conv4Shapes() *tensor.Set {
	s := &tensor.Set{}
	for i := range Blocks {
		names := blockNames(i)
		shapes := [6][]int{{Filters, blockIn(i), 3, 3}, {Filters}, {Filters}, {Filters}, {Filters}, {Filters}}
		for j, n := range names {
			s.Add(n, &tensor.Tensor{Shape: shapes[j]})
		}
	}
	return s
}

// NewConv4Params returns freshly initialised Conv4 parameters, drawn from
// rng as PyTorch initialises nn.Conv2d and nn.BatchNorm2d: convolution
// weights and biases uniform in ±1/√fan_in (kaiming_uniform with a=√5),
// fan_in = Cin·9; BatchNorm weight 1, bias 0, running mean 0, running
// variance 1.
func NewConv4Params(rng *rand.Rand) *tensor.Set {
	p := &tensor.Set{}
	for i := range Blocks {
		names := blockNames(i)
		cin := blockIn(i)
		bound := 1 / math.Sqrt(float64(cin*9))
		w := tensor.New(Filters, cin, 3, 3)
		b := tensor.New(Filters)
		uniform(rng, w.Data, bound)
		uniform(rng, b.Data, bound)
		gamma, beta, rm, rv := tensor.New(Filters), tensor.New(Filters), tensor.New(Filters), tensor.New(Filters)
		for c := range Filters {
			gamma.Data[c], rv.Data[c] = 1, 1
		}
		for j, t := range []*tensor.Tensor{w, b, gamma, beta, rm, rv} {
			p.Add(names[j], t)
		}
	}
	return p
}

func uniform(rng *rand.Rand, x []float32, bound float64) {
	for i := range x {
		x[i] = float32((2*rng.Float64() - 1) * bound)
	}
}

// Trainable returns the subset of p that an optimizer updates: every
// tensor whose name is not a buffer (see IsBuffer). The tensors are shared
// with p, not copied.
func Trainable(p *tensor.Set) *tensor.Set {
	t := &tensor.Set{}
	for i := range p.Len() {
		n, x := p.At(i)
		if !IsBuffer(n) {
			t.Add(n, x)
		}
	}
	return t
}

// Conv4 is the standard few-shot backbone (Vinyals et al. 2016, Snell et
// al. 2017): four blocks of [3×3 convolution, 64 filters, padding 1 →
// BatchNorm → ReLU → 2×2 max-pool], mapping a 1×28×28 image to a 64-d
// embedding (28→14→7→3→1). See the package documentation.
//
// Conv4 holds no parameters: Forward and Backward take them as a
// *tensor.Set named as by Conv4Names. It holds the activations of the last
// Forward (for Backward) and its working buffers, sized by the batch and
// reused, so a training step allocates nothing once the batch size is
// stable. It is not safe for concurrent use.
type Conv4 struct {
	binding
	core *Conv4Of[float32]
	emb  tensor.Tensor
	n    int // batch of the last successful Forward
}

// NewConv4 returns a Conv4 that spreads its work over the workers of par:
// a *gemm.Pool (whose per-worker Workspaces then do the matrix products),
// Serial{}, or nil, which means Serial{}. The caller keeps ownership of
// par: Conv4 never closes it.
func NewConv4(par Parallel) *Conv4 {
	par, ws, mm := workspaces(par)
	m := &Conv4{binding: newBinding("conv4"), core: NewConv4Of(mm, par)}
	m.core.usePacker(wsPacker(ws))
	return m
}

// Forward embeds the images x (N×1×28×28, N ≥ 1) with parameters p and
// returns the N×64 embeddings. The returned tensor is owned by m and
// overwritten by the next Forward. With train set, BatchNorm normalises
// with the batch's statistics and updates the running statistics in p
// (momentum 0.1, unbiased variance, as PyTorch); otherwise it uses them.
//
// It returns an error, and changes nothing, if x has another shape or holds
// a NaN or Inf, or if p lacks a Conv4 parameter, has one with the wrong
// shape, has an unknown "encoder." name, or holds a NaN or Inf. p may hold
// other tensors (a head) besides.
func (m *Conv4) Forward(p *tensor.Set, x *tensor.Tensor, train bool) (*tensor.Tensor, error) {
	return m.forward(p, x, train, false)
}

// Embed embeds the images x (N×1×28×28, N ≥ 1) in inference mode, as
// Forward(p, x, false) does up to float rounding, faster: BatchNorm is
// folded into the convolutions and each block's convolution, bias, ReLU
// and pooling run as one pass (see the package documentation). It is the
// call for classifying; Backward may follow it, at the cost of one more
// forward pass. It returns the errors Forward returns.
func (m *Conv4) Embed(p *tensor.Set, x *tensor.Tensor) (*tensor.Tensor, error) {
	return m.forward(p, x, false, true)
}

func (m *Conv4) forward(p *tensor.Set, x *tensor.Tensor, train, fold bool) (*tensor.Tensor, error) {
	m.n = 0
	if err := m.bindForward(p, x); err != nil {
		return nil, err
	}
	n := x.Shape[0]
	var emb []float32
	if fold {
		emb = m.core.Embed(&m.p, x.Data, n)
	} else {
		emb = m.core.Forward(&m.p, x.Data, n, train)
	}
	m.n = n
	m.emb.Data = emb
	m.emb.Shape = append(m.emb.Shape[:0], n, EmbeddingDim)
	return &m.emb, nil
}

// Backward writes into grads the gradients of the loss with respect to
// Conv4's trainable parameters (the weights and biases named by
// Conv4Names, not the running statistics), given dEmb (N×64), the gradient
// of the loss with respect to the embeddings returned by the last Forward,
// which must have been called with the same p, unchanged since. It
// overwrites the gradient tensors; it does not accumulate. Other tensors of
// grads are left alone.
//
// It returns an error, and writes nothing, if no Forward succeeded before,
// if dEmb's shape is not [N 64] for that Forward's N or it holds a NaN or
// Inf, or if grads lacks a trainable name or has it with another shape.
func (m *Conv4) Backward(p *tensor.Set, dEmb *tensor.Tensor, grads *tensor.Set) error {
	if err := m.bindBackward(m.n, EmbeddingDim, p, dEmb, grads); err != nil {
		return err
	}
	m.core.Backward(&m.p, dEmb.Data, &m.g)
	return nil
}
