package nn

import (
	"bytes"
	"unsafe"
)

// Shape of the Conv4 backbone.
const (
	// Blocks is the number of [conv → BN → ReLU → pool] blocks.
	Blocks = 4
	// Filters is the number of channels of every convolution.
	Filters = 64
	// ImageSize is the height and width of an input image (one channel).
	ImageSize = 28
	// EmbeddingDim is the length of an embedding: Filters channels of 1×1.
	EmbeddingDim = Filters
)

// blockSize returns the height (= width) of block i's input: 28, 14, 7, 3;
// blockSize(Blocks) = 1 is the size of the output.
func blockSize(i int) int {
	h := ImageSize
	for ; i > 0; i-- {
		h /= 2
	}
	return h
}

// blockIn returns the number of input channels of block i.
func blockIn(i int) int {
	if i == 0 {
		return 1
	}
	return Filters
}

// BlockParams holds the parameters of one Conv4 block as plain slices:
// Weight Filters×Cin×3×3 and Bias Filters for the convolution, BNWeight,
// BNBias, RunningMean and RunningVar (Filters each) for the BatchNorm.
type BlockParams[T Float] struct {
	Weight, Bias, BNWeight, BNBias, RunningMean, RunningVar []T
}

// BlockGrads holds the gradients of one block's trainable parameters,
// shaped like the matching BlockParams fields.
type BlockGrads[T Float] struct {
	Weight, Bias, BNWeight, BNBias []T
}

// Conv4Of is the Conv4 computation for element type T on plain slices,
// without any checking: Conv4 (float32, named tensor sets, validated) is
// the type to use; Conv4Of[float64] exists so that the gradient checks can
// run the very same code in double precision.
//
// It owns its activations and working buffers, sized by the batch of the
// last Forward and reused; it is not safe for concurrent use.
type Conv4Of[T Float] struct {
	conv [Blocks]*conv3x3[T]
	bn   [Blocks]*bnReluPool[T]
	// Inference with BatchNorm folded (fold.go): a second convolution per
	// block (its own buffers, an epilogue that pools), the folded
	// weights and biases, and the pooling epilogue's arguments.
	// Block 0 (one input channel) convolves by Winograd under wasm
	// (firstwino.go), directly with AVX-512 (first.go), else by im2col
	// and a matrix product with a pooling epilogue; the others by
	// Winograd's F(2×2, 3×3) (winograd.go).
	fconv  *conv3x3[T]
	fpool  foldPool[T]
	first  *firstPool[T]
	fwino  *firstWino[T] // used where firstWinoUse (T float32)
	wino   [Blocks]*winogradPool[T]
	fw, fb [Blocks][]T
	// key holds copies of the parameters fw, fb (and the Winograd
	// layers' transformed filters) were last folded from, foldOK whether
	// they are valid; folds counts the folds done (see fold).
	key    [Blocks][6][]T
	foldOK bool
	folds  int
	// split[i] is block i's input (i ≥ 1) in the split layout of
	// split.go; its padding is zero from its allocation on.
	split [Blocks][]T

	n     int // batch of the last Forward; 0 before the first
	train bool
	// folded reports that the last pass was Embed, so that Backward must
	// first recompute the unfolded activations.
	folded bool
	in     [Blocks + 1][]T // in[i]: block i's input, channel-major; in[Blocks]: output
	z      [Blocks][]T     // convolution outputs
	arg    [Blocks][]int32 // pooling indices
	emb    []T             // n×EmbeddingDim
	d      [2][]T          // ping-pong gradients of block inputs/outputs
}

// NewConv4Of returns a Conv4Of that multiplies matrices with gemm (called
// from one worker at a time, each on its own output) and spreads loops over
// par (Serial if nil).
func NewConv4Of[T Float](gemm Gemm[T], par Parallel) *Conv4Of[T] {
	if par == nil {
		par = Serial{}
	}
	e := engine[T]{gemm: gemm, par: par}
	m := &Conv4Of[T]{}
	m.fconv = newConv3x3(e, blockIn(0), Filters)
	m.fconv.epilogue = m.fpool.chunk
	m.first = newFirstPool(e)
	if _, f32 := any(T(0)).(float32); f32 && firstWinoUse() {
		m.fwino = newFirstWino(e)
	}
	for i := range Blocks {
		m.conv[i] = newConv3x3(e, blockIn(i), Filters)
		m.bn[i] = newBNReluPool(e, Filters)
		// The convolution's backward pass asks the BatchNorm for dZ chunk
		// by chunk.
		m.conv[i].fillDZ = m.bn[i].fill
		if i > 0 {
			m.wino[i] = newWinogradPool(e, blockIn(i), Filters)
		}
		m.fw[i] = make([]T, Filters*blockIn(i)*9)
		m.fb[i] = make([]T, Filters)
	}
	return m
}

// usePacker makes the Winograd layers multiply by their filter matrices
// packed once per call (T must be float32).
func (m *Conv4Of[T]) usePacker(pk packer) {
	for _, wg := range m.wino {
		if wg != nil {
			wg.pk = pk
		}
	}
}

func grow[E any](buf []E, n int) []E {
	if cap(buf) < n {
		return make([]E, n)
	}
	return buf[:n]
}

func (m *Conv4Of[T]) reserve(n int) {
	for i := range Blocks {
		h, ho := blockSize(i), blockSize(i+1)
		m.in[i] = grow(m.in[i], blockIn(i)*n*h*h)
		m.z[i] = grow(m.z[i], Filters*n*h*h)
		m.arg[i] = grow(m.arg[i], Filters*n*ho*ho)
	}
	m.in[Blocks] = grow(m.in[Blocks], Filters*n)
	m.emb = grow(m.emb, n*EmbeddingDim)
	h1 := blockSize(1)
	m.d[0] = grow(m.d[0], Filters*n*h1*h1)
	m.d[1] = grow(m.d[1], Filters*n*h1*h1)
}

// Forward embeds the n images x (n×1×28×28) and returns the n×64
// embeddings, a slice owned by m that the next Forward overwrites. In
// training mode BatchNorm uses the batch's statistics and updates the
// running statistics in p; in inference mode it uses them. x is copied, so
// the caller may reuse it before Backward.
//
// Forward computes BatchNorm as a layer of its own, in the same arithmetic
// whether or not Backward follows (training runs are bit-identical across
// platforms that share a gemm kernel); Embed is the faster inference pass
// when no gradient is needed.
func (m *Conv4Of[T]) Forward(p *[Blocks]BlockParams[T], x []T, n int, train bool) []T {
	m.reserve(n)
	m.n, m.train, m.folded = n, train, false
	copy(m.in[0], x)
	m.forwardBlocks(p, n, train)
	return m.embedding(n)
}

// Embed is Forward in inference mode with BatchNorm folded into the
// convolutions (fold.go): the same embeddings up to float rounding, faster,
// and what inference should call. Backward may follow, at the cost of
// recomputing the unfolded pass first.
func (m *Conv4Of[T]) Embed(p *[Blocks]BlockParams[T], x []T, n int) []T {
	m.reserve(n)
	m.n, m.train, m.folded = n, false, true
	copy(m.in[0], x)
	m.forwardFolded(p, n)
	return m.embedding(n)
}

// embedding transposes the last block's channel-major 64×n output into
// m.emb (n×64) and returns it.
func (m *Conv4Of[T]) embedding(n int) []T {
	out := m.in[Blocks]
	for c := 0; c < Filters; c++ {
		for s := 0; s < n; s++ {
			m.emb[s*EmbeddingDim+c] = out[c*n+s]
		}
	}
	return m.emb
}

// forwardFolded runs the blocks in inference mode with BatchNorm folded
// into the convolutions: block i's output m.in[i+1] only, no z or arg.
//
// Blocks hand each other their outputs in the split layout (split.go),
// which the Winograd input transform reads without shuffles; the last
// block writes m.in[Blocks], channel-major.
func (m *Conv4Of[T]) forwardFolded(p *[Blocks]BlockParams[T], n int) {
	// A map's place does not depend on the batch, and nothing writes
	// the padding: a buffer grown from zero (make) stays laid out for
	// every smaller batch too.
	for i := 1; i < Blocks; i++ {
		h := blockSize(i)
		m.split[i] = grow(m.split[i], newSplitShape(h, h).len(Filters*n))
	}
	m.fold(p)
	for i := range Blocks {
		h := blockSize(i)
		last := i == Blocks-1
		out := m.in[Blocks]
		if !last {
			out = m.split[i+1]
		}
		if wg := m.wino[i]; wg != nil {
			wg.forward(out, m.split[i], m.fb[i], n, h, h, !last)
			continue
		}
		if m.fwino != nil {
			m.fwino.forward(out, m.in[i], m.fw[i], m.fb[i], n, true)
			continue
		}
		if m.first.use {
			m.first.forward(out, m.in[i], m.fw[i], m.fb[i], n, true)
			continue
		}
		m.fpool = foldPool[T]{out: out, b: m.fb[i], c: Filters, n: n, h: h, w: h, osp: newSplitShape(h/2, h/2)}
		m.fconv.forward(nil, m.in[i], m.fw[i], nil, n, h, h)
		m.fpool.out = nil
	}
}

// fold computes the folded weights and biases fw, fb of every block and
// the Winograd layers' transformed (and packed) filters from p, unless p
// holds, bit for bit, the values they were last computed from: the page
// embeds a query after every stroke with the same weights, and folding
// and transforming them costs about as much as a few images. The check
// compares contents, not identities, because the callers' tensors are
// plain slices that training, an optimizer or a load may overwrite in
// place at any time; comparing 113 000 values is a small fraction of
// folding them.
func (m *Conv4Of[T]) fold(p *[Blocks]BlockParams[T]) {
	if m.foldOK && m.sameAsKey(p) {
		return
	}
	for i := range Blocks {
		bp := &p[i]
		foldBN(m.fw[i], m.fb[i], bp.Weight, bp.Bias, bp.BNWeight, bp.BNBias, bp.RunningMean, bp.RunningVar, Filters, blockIn(i)*9)
		if wg := m.wino[i]; wg != nil {
			wg.setFilters(m.fw[i])
		}
		for j, src := range bp.slices() {
			m.key[i][j] = append(m.key[i][j][:0], src...)
		}
	}
	m.foldOK = true
	m.folds++
}

// sameAsKey reports whether p holds exactly the bits of m.key.
func (m *Conv4Of[T]) sameAsKey(p *[Blocks]BlockParams[T]) bool {
	for i := range Blocks {
		for j, src := range p[i].slices() {
			if !sameBits(src, m.key[i][j]) {
				return false
			}
		}
	}
	return true
}

// slices returns the six parameter slices of b in field order.
func (b *BlockParams[T]) slices() [6][]T {
	return [6][]T{b.Weight, b.Bias, b.BNWeight, b.BNBias, b.RunningMean, b.RunningVar}
}

// sameBits reports whether a and b have the same length and bits (so +0
// and −0 differ, and a NaN equals the same NaN).
func sameBits[T Float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	size := int(unsafe.Sizeof(a[0]))
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), len(a)*size), unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), len(b)*size))
}

// forwardBlocks runs the blocks with the unfolded BatchNorm, keeping what
// Backward needs (z, arg, the BatchNorm's saved statistics).
func (m *Conv4Of[T]) forwardBlocks(p *[Blocks]BlockParams[T], n int, train bool) {
	for i := range Blocks {
		h := blockSize(i)
		bp := &p[i]
		// The BatchNorm pass adds the convolution's bias (z holds the
		// convolution without it), saving a pass over z.
		// In training mode the convolution also sums each channel for
		// the batch statistics, while its output is in cache.
		c := m.conv[i]
		c.stats = train
		c.forward(m.z[i], m.in[i], bp.Weight, nil, n, h, h)
		var sum, sq []float64
		if train {
			sum, sq = c.sum, c.sq
		}
		m.bn[i].forward(m.in[i+1], m.arg[i], m.z[i], bp.Bias, sum, sq, bp.BNWeight, bp.BNBias, bp.RunningMean, bp.RunningVar, n, h, h, train)
	}
}

// Backward writes into g the gradients of the loss with respect to the
// trainable parameters, given dEmb (n×64), the gradient of the loss with
// respect to the embeddings of the last Forward, which must have been
// called with the same p. It overwrites g; it does not accumulate. After
// Embed it first recomputes that pass without folding (the activations the
// gradients need), which costs one more forward pass.
func (m *Conv4Of[T]) Backward(p *[Blocks]BlockParams[T], dEmb []T, g *[Blocks]BlockGrads[T]) {
	n := m.n
	if m.folded {
		m.forwardBlocks(p, n, false)
		m.folded = false
	}
	dout := m.d[0][:Filters*n]
	for s := 0; s < n; s++ {
		for c := 0; c < Filters; c++ {
			dout[c*n+s] = dEmb[s*EmbeddingDim+c]
		}
	}
	next := 1
	for i := Blocks - 1; i >= 0; i-- {
		h := blockSize(i)
		bp, bg := &p[i], &g[i]
		// The BatchNorm's per-channel pass gives its own gradients and the
		// convolution's bias gradient (the sum of dZ, in closed form); the
		// convolution then gets dZ from it chunk by chunk.
		m.bn[i].prepare(bg.BNWeight, bg.BNBias, bg.Bias, dout, m.in[i+1], m.arg[i], m.z[i], bp.BNWeight, n, h, h)
		var dx []T
		if i > 0 {
			dx = m.d[next][:blockIn(i)*n*h*h]
		}
		m.conv[i].backward(dx, bg.Weight, nil, nil, m.in[i], bp.Weight, n, h, h)
		m.bn[i].release()
		dout, next = dx, 1-next
	}
}
