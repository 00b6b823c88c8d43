package nn

import (
	"fmt"

	"metaglot/core/tensor"
)

// Conv4S2 is the Omniglot network of Finn et al. (2017) and Nichol et al.
// (2018, supervised-reptile's OmniglotModel): four blocks of
//
//	3×3 convolution, 64 filters, stride 2, padding 1 → BatchNorm → ReLU
//
// with no pooling, mapping a 1×28×28 image to 64×2×2 (28 → 14 → 7 → 4 →
// 2, each size ⌈h/2⌉), flattened to a 256-d embedding. It is the PyTorch
// module
//
//	encoder = nn.Sequential(*[nn.Sequential(nn.Conv2d(cin, 64, 3, stride=2, padding=1),
//	    nn.BatchNorm2d(64), nn.ReLU()) for cin in (1, 64, 64, 64)])
//	emb = encoder(x).flatten(1)
//
// The padding is PyTorch's, one pixel on every side. TensorFlow's "same"
// (Finn's and Nichol's code) pads a stride-2 layer on an even size (28,
// 14 and 4 here) only at the bottom and right, so its windows sit one
// pixel lower and further right; only the 7×7 map is padded alike. Trained
// from scratch, nothing depends on the choice, and symmetric padding makes
// the PyTorch module, the ONNX export and interop one line each.
//
// # Why stride 2
//
// Conv4 computes every convolution at full resolution and then throws
// three quarters of it away in the 2×2 max-pool. Conv4S2 computes only the
// outputs it keeps: a quarter of the output positions of each block's
// input size, and no pooling pass. Over the network that is about
// 5.3 MFLOP per image forward against Conv4's 19.6 (3.7× fewer, most of
// them in the second block, 14×14 → 7×7 at 64·576 multiply-adds per
// output); its activations and their gradients shrink alike. It keeps
// more of the image at the end (a 2×2 map rather than 1×1), so the
// embedding is 256-d, not 64-d. Nichol et al. report 98.3 % (5-way 1-shot,
// first-order MAML, transductive) on Omniglot with it, where our Conv4
// plateaus lower.
//
// # Flatten order
//
// The embedding is the last block's map in PyTorch's x.flatten(1) order,
// channel-major: for sample s, column c·4 + y·2 + x holds channel c at
// row y, column x of the 2×2 map. A head trained here reads its weights in
// that order (head.weight is way×256).
//
// # Parameters
//
// Its parameters are exactly Conv4's: the same names (Conv4Names) and
// shapes, initialised by NewConv4Params. Nothing in a parameter set tells
// the two networks apart; the model's metadata does (modelfile's net).
//
// # Computation and cost
//
// As in Conv4, activations are channel-major (C×N×H×W) and each
// convolution is one matrix product per chunk of samples over its im2col
// columns, Z[64 × N·Ho·Wo] = W[64 × Cin·9] · col, by the weights packed
// once per call for the gemm kernel. Each convolution's input is kept in
// the phase layout (its planes split into even or odd rows × columns, see
// im2colS2): the previous block's BatchNorm → ReLU writes it so, and then
// every tap of a whole chunk is one block copy. Block 0 reads the images
// split by rows and columns modulo 4 and orders its output columns by
// phase, so that its output is block 1's input as it comes and block 1
// hands back its input gradient in phases (conv4s2_quad.go). BatchNorm's statistics are
// summed while each chunk of Z is in cache, BatchNorm and ReLU are one
// pass, and backward masks the gradient by the ReLU recomputed from Z and
// rebuilds dZ chunk by chunk from the BatchNorm's closed form
// (conv4s2_layers.go). The elementwise loops run in Float32x4 (and the
// float64 sums in Float64x4 on amd64) where GOEXPERIMENT=simd builds
// them, with the same results bit for bit. Measured by BenchmarkBackbones
// on 5-way task batches of 5 to 80 images (1 thread, load ~3), a training
// step (Forward and Backward) takes 0.25–0.30 of Conv4's CPU time
// natively and 0.26–0.34 under wasm; Embed 0.60–0.63 natively and
// 0.56–0.62 under wasm, where Conv4's Embed runs by Winograd with
// BatchNorm folded (Conv4S2's does neither).
//
// Like Conv4, it holds no parameters, holds the activations of the last
// Forward (for Backward) and working buffers sized by the batch and
// reused, so a training step allocates nothing once the batch size is
// stable. It is not safe for concurrent use.
type Conv4S2 struct {
	binding
	core *Conv4S2Of[float32]
	emb  tensor.Tensor
	n    int // batch of the last successful Forward
}

// NewConv4S2 returns a Conv4S2 that spreads its work over the workers of
// par: a *gemm.Pool (whose per-worker Workspaces then do the matrix
// products), Serial{}, or nil, which means Serial{}. The caller keeps
// ownership of par: Conv4S2 never closes it.
func NewConv4S2(par Parallel) *Conv4S2 {
	par, ws, mm := workspaces(par)
	m := &Conv4S2{binding: newBinding("conv4s2"), core: NewConv4S2Of(mm, par)}
	// The convolutions multiply by their weights packed once per call.
	for _, c := range m.core.conv {
		c.ws = ws
	}
	return m
}

// Forward embeds the images x (N×1×28×28, N ≥ 1) with parameters p and
// returns the N×256 embeddings (see Conv4S2 for the order). The returned
// tensor is owned by m and overwritten by the next Forward. With train
// set, BatchNorm normalises with the batch's statistics and updates the
// running statistics in p (momentum 0.1, unbiased variance, as PyTorch);
// otherwise it uses them.
//
// It returns an error, and changes nothing, if x has another shape or holds
// a NaN or Inf, or if p lacks a Conv4 parameter, has one with the wrong
// shape, has an unknown "encoder." name, or holds a NaN or Inf. p may hold
// other tensors (a head) besides.
func (m *Conv4S2) Forward(p *tensor.Set, x *tensor.Tensor, train bool) (*tensor.Tensor, error) {
	m.n = 0
	if err := m.bindForward(p, x); err != nil {
		return nil, err
	}
	n := x.Shape[0]
	emb := m.core.Forward(&m.p, x.Data, n, train)
	m.n = n
	m.emb.Data = emb
	m.emb.Shape = append(m.emb.Shape[:0], n, Conv4S2EmbeddingDim)
	return &m.emb, nil
}

// Embed embeds the images x (N×1×28×28, N ≥ 1) in inference mode (the
// running statistics): exactly Forward(p, x, false), the call for
// classifying, named as Conv4's so that either network serves. Unlike
// Conv4's, it does not fold BatchNorm into the convolutions (stride 2
// leaves no pooling to fuse, and the network is cheap); Backward may
// follow it at no extra cost. It returns the errors Forward returns.
func (m *Conv4S2) Embed(p *tensor.Set, x *tensor.Tensor) (*tensor.Tensor, error) {
	return m.Forward(p, x, false)
}

// Backward writes into grads the gradients of the loss with respect to
// the trainable parameters (the weights and biases named by Conv4Names,
// not the running statistics), given dEmb (N×256), the gradient of the
// loss with respect to the embeddings returned by the last Forward, which
// must have been called with the same p, unchanged since. It overwrites
// the gradient tensors; it does not accumulate. Other tensors of grads are
// left alone.
//
// It returns an error, and writes nothing, if no Forward succeeded before,
// if dEmb's shape is not [N 256] for that Forward's N or it holds a NaN or
// Inf, or if grads lacks a trainable name or has it with another shape.
func (m *Conv4S2) Backward(p *tensor.Set, dEmb *tensor.Tensor, grads *tensor.Set) error {
	if err := m.bindBackward(m.n, Conv4S2EmbeddingDim, p, dEmb, grads); err != nil {
		return err
	}
	m.core.Backward(&m.p, dEmb.Data, &m.g, nil)
	return nil
}

// Names of the backbones, as model metadata (modelfile's net) and the
// -net setting spell them.
const (
	// NetConv4 is Conv4, the max-pool network; "" means it too (every
	// file from before conv4s2).
	NetConv4 = "conv4"
	// NetConv4S2 is Conv4S2, the stride-2 network.
	NetConv4S2 = "conv4s2"
)

// Backbone is the method set Conv4 and Conv4S2 share: embed a batch of
// 1×28×28 images with explicit parameters (the Conv4 names), and
// backpropagate into a gradient set. See Conv4 for the contracts.
type Backbone interface {
	Forward(p *tensor.Set, x *tensor.Tensor, train bool) (*tensor.Tensor, error)
	Embed(p *tensor.Set, x *tensor.Tensor) (*tensor.Tensor, error)
	Backward(p *tensor.Set, dEmb *tensor.Tensor, grads *tensor.Set) error
}

var (
	_ Backbone = (*Conv4)(nil)
	_ Backbone = (*Conv4S2)(nil)
)

// NewBackbone returns the backbone named net (NetConv4, "" for it, or
// NetConv4S2) spreading its work over par, and the length of its
// embeddings (EmbeddingDim = 64 or Conv4S2EmbeddingDim = 256). Any other
// name is an error naming it.
func NewBackbone(net string, par Parallel) (Backbone, int, error) {
	switch net {
	case "", NetConv4:
		return NewConv4(par), EmbeddingDim, nil
	case NetConv4S2:
		return NewConv4S2(par), Conv4S2EmbeddingDim, nil
	}
	return nil, 0, fmt.Errorf("unknown network %q (want %q or %q)", net, NetConv4, NetConv4S2)
}
