// Package nn holds the layers of metaglot's network, Conv4, with their
// forward and backward passes.
//
// # Conv4
//
// Conv4 is the standard backbone of few-shot learning (Vinyals et al.
// 2016; Snell et al. 2017; Finn et al. 2017): four identical blocks
//
//	3×3 convolution, 64 filters, stride 1, padding 1
//	→ BatchNorm → ReLU → 2×2 max-pool, stride 2
//
// that map a 1×28×28 image to 64×1×1, a 64-d embedding. The spatial size
// halves at every block, rounding down: 28 → 14 → 7 → 3 → 1. It is the
// PyTorch module
//
//	encoder = nn.Sequential(*[nn.Sequential(nn.Conv2d(cin, 64, 3, padding=1),
//	    nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2)) for cin in (1, 64, 64, 64)])
//
// held in an attribute named encoder, and its parameters carry the names of
// that module's state_dict: encoder.{i}.0.weight [64 Cin 3 3] and
// encoder.{i}.0.bias [64] (convolution), encoder.{i}.1.weight,
// encoder.{i}.1.bias, encoder.{i}.1.running_mean, encoder.{i}.1.running_var
// [64] (BatchNorm). PyTorch's state_dict also holds
// encoder.{i}.1.num_batches_tracked, which metaglot does not keep; a
// metaglot file still loads into that module with a strict
// load_state_dict, because BatchNorm fills the counter in when a plain dict
// (without PyTorch's version metadata) lacks it (see core/checkpoint and
// interop/torch); the other way, checkpoint.FromPyTorch drops them.
//
// # Explicit parameters
//
// A Conv4 value holds no weights. Forward and Backward take them as a
// *tensor.Set, and Backward writes gradients into a Set with the same
// names:
//
//	p := nn.NewConv4Params(rng)          // encoder.* weights and buffers
//	m := nn.NewConv4(pool)               // workspace only
//	emb, err := m.Forward(p, x, true)    // x N×1×28×28 → emb N×64
//	...                                  // loss and dEmb from emb
//	err = m.Backward(p, dEmb, grads)     // grads: nn.Trainable(p).ZerosLike()
//
// This is what first-order MAML needs: the inner loop runs the same Conv4
// on "fast weights" (a clone of p updated by a few SGD steps) without
// building a second model. Trainable(p) is the subset an optimizer updates
// (weights and biases); the running statistics are buffers, updated by the
// forward pass itself. Linear, the classifier head MAML puts on top, works
// the same way with the names head.weight and head.bias.
//
// # BatchNorm's two modes
//
// In training mode (Forward with train=true) BatchNorm normalises each
// channel with the mean and the biased variance of the batch, so each
// image's embedding depends on the rest of the batch — for ProtoNet, on the
// whole episode — and the backward pass differentiates through those
// statistics. It also updates the running statistics as PyTorch does:
// running = 0.9·running + 0.1·batch, with the unbiased variance. In
// inference mode (train=false) it normalises with the running statistics,
// so an image's embedding depends on it alone. eps is 1e-5.
//
// # Layout and speed
//
// Inputs and embeddings are NCHW/row-major as in PyTorch. Inside, Conv4
// keeps its activations channel-major (C×N×H×W), which turns each
// convolution into a single matrix product over the whole batch,
//
//	Z[64 × N·H·W] = W[64 × Cin·9] · col[Cin·9 × N·H·W]
//
// (im2col + GEMM, unfolded a few samples at a time into per-worker buffers
// that stay in cache), and makes each BatchNorm channel contiguous. The
// passes over the large activations are kept few:
//
//   - the convolution adds no bias and, in training mode, sums each output
//     channel and its squares while the chunk it just computed is in cache;
//   - BatchNorm (with the bias folded into its shift), ReLU and max-pool
//     are one branch-free pass that never stores the normalised values and
//     records where each pooled value came from;
//   - backward, a pass over each channel's pooled outputs gives the
//     BatchNorm gradients and the coefficients of dZ (an affine function of
//     Z plus the pooled positions' gradients), and the bias gradient in
//     closed form; the convolution's backward then builds dZ chunk by chunk
//     in cache (it is never stored whole), re-unfolds the input for
//     dW = dZ·colᵀ (colᵀ·dZᵀ for the first layer, whose Cin·9 is 9) and
//     folds Wᵀ·dZ back with col2im for dX.
//
// # Inference: Embed
//
// Embed is the inference pass for classifying (Forward with train=false
// keeps the training path's arithmetic, so that training runs stay
// bit-identical across platforms). With the running statistics BatchNorm
// is a fixed affine map per channel, folded into the convolution's weights
// and bias (fold.go); since a maximum commutes with adding a constant and
// with ReLU, each block is then ReLU(maxpool(W'∗x) + b'). The blocks
// convolve by Winograd's F(2×2, 3×3) (winograd.go), whose 2×2 output
// tiles are exactly the pooling windows: 16 multiplies per tile and
// channel pair instead of 36, and on the 7×7 and 3×3 maps only the tiles
// the pool reads (2.3× fewer multiplies over the network); bias, ReLU and
// pool happen in the output transform. The first block (one input
// channel, no sum over channels to make a matrix product of) convolves
// directly with AVX-512 (first.go), and by Winograd with the tile's input
// transform shared by all 64 channels under wasm, which has no fused
// multiply-add (firstwino.go); elsewhere by im2col + GEMM. Blocks hand each
// other their maps zero-padded and split into even and odd columns
// (split.go), the layout in which a vector holds consecutive Winograd
// tiles. The folded weights and the transformed, packed filters are kept
// until the parameters' bits change (Conv4Of.fold). All of it equals the
// unfolded direct computation up to float rounding
// (TestFoldedForwardMatchesUnfolded, TestWinogradMatchesDirect,
// TestFirstWinoMatchesDirect, TestFirstPoolMatchesDirect,
// TestEmbedRefoldsChangedParams).
//
// Work is spread over a Parallel — a gemm.Pool natively, one worker under
// wasm — by samples for the convolutions and by channels for BatchNorm,
// each worker multiplying with its own gemm.Workspace. Every buffer is
// sized by the batch and reused, so a training step allocates nothing.
//
// # Precision and proof
//
// The kernels are generic over Float (float32 or float64). Production runs
// them in float32 with the fast gemm.Sgemm; the tests run the same code in
// float64 against central finite differences, and the float32 Conv4
// against PyTorch (testdata/gen_golden.py).
//
// # Errors
//
// Conv4, Linear and CrossEntropy return errors, never panic, on what a user
// can get wrong: input and parameter shapes, missing or unknown parameter
// names, NaN or Inf in inputs, labels out of range. The unexported kernels
// trust their callers.
package nn
