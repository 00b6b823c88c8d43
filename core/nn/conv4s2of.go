package nn

// Shape of the Conv4S2 backbone.
const (
	// Conv4S2Out is the height (= width) of the last block's output map:
	// 28 → 14 → 7 → 4 → 2.
	Conv4S2Out = 2
	// Conv4S2EmbeddingDim is the length of a Conv4S2 embedding: the last
	// block's Filters channels of Conv4S2Out×Conv4S2Out, flattened.
	Conv4S2EmbeddingDim = Filters * Conv4S2Out * Conv4S2Out
)

// s2Size returns the height (= width) of Conv4S2 block i's input: 28, 14,
// 7, 4; s2Size(Blocks) = 2 is the size of the output.
func s2Size(i int) int {
	h := ImageSize
	for ; i > 0; i-- {
		h = s2Out(h)
	}
	return h
}

// Conv4S2Of is the Conv4S2 computation for element type T on plain
// slices, without any checking: Conv4S2 (float32, named tensor sets,
// validated) is the type to use; Conv4S2Of[float64] runs the very same
// code in double precision for the gradient checks. Its parameters are
// Conv4's (BlockParams, BlockGrads).
//
// It owns its activations and working buffers, sized by the batch of the
// last Forward and reused; it is not safe for concurrent use.
type Conv4S2Of[T Float] struct {
	conv [Blocks]*convS2[T]
	bn   [Blocks]*bnRelu[T]

	n   int             // batch of the last Forward; 0 before the first
	in  [Blocks + 1][]T // in[i]: block i's input, in the phase layout (im2colS2); in[Blocks]: output, channel-major
	z   [Blocks][]T     // convolution outputs (without the bias)
	emb []T             // n×Conv4S2EmbeddingDim
	d   [2][]T          // ping-pong gradients of block inputs/outputs
}

// NewConv4S2Of returns a Conv4S2Of that multiplies matrices with gemm
// (called from one worker at a time, each on its own output) and spreads
// loops over par (Serial if nil).
func NewConv4S2Of[T Float](gemm Gemm[T], par Parallel) *Conv4S2Of[T] {
	if par == nil {
		par = Serial{}
	}
	e := engine[T]{gemm: gemm, par: par}
	m := &Conv4S2Of[T]{}
	for i := range Blocks {
		m.conv[i] = newConvS2(e, blockIn(i), Filters)
		m.bn[i] = newBNRelu(e, Filters)
		// The convolution's backward pass asks the BatchNorm for dZ chunk
		// by chunk.
		m.conv[i].fillDZ = m.bn[i].fill
	}
	// Block 0 in quarter phases (conv4s2_quad.go): its output is block
	// 1's input in the phase layout as it comes, and block 1 hands its
	// input gradient back in that layout.
	m.conv[0].quad, m.bn[0].zphased, m.conv[1].dxPhased = true, true, true
	return m
}

func (m *Conv4S2Of[T]) reserve(n int) {
	for i := range Blocks {
		h, ho := s2Size(i), s2Size(i+1)
		m.in[i] = grow(m.in[i], phaseLen(blockIn(i), n, h, h))
		m.z[i] = grow(m.z[i], Filters*n*ho*ho)
	}
	m.in[Blocks] = grow(m.in[Blocks], Filters*n*Conv4S2Out*Conv4S2Out)
	m.emb = grow(m.emb, n*Conv4S2EmbeddingDim)
	h1 := s2Size(1)
	m.d[0] = grow(m.d[0], Filters*n*h1*h1)
	m.d[1] = grow(m.d[1], Filters*n*h1*h1)
}

// Forward embeds the n images x (n×1×28×28) and returns the n×256
// embeddings, a slice owned by m that the next Forward overwrites. In
// training mode BatchNorm uses the batch's statistics and updates the
// running statistics in p; in inference mode it uses them. x is copied, so
// the caller may reuse it before Backward.
func (m *Conv4S2Of[T]) Forward(p *[Blocks]BlockParams[T], x []T, n int, train bool) []T {
	m.reserve(n)
	m.n = n
	// One input channel: the images' layout is channel-major.
	toQuads(m.in[0], x, 1, n, ImageSize, ImageSize)
	for i := range Blocks {
		h, ho := s2Size(i), s2Size(i+1)
		bp := &p[i]
		// The convolution adds no bias (the BatchNorm pass does) and, in
		// training mode, sums each channel while its output is in cache.
		c := m.conv[i]
		c.stats = train
		c.forward(m.z[i], m.in[i], bp.Weight, n, h, h)
		var sum, sq []float64
		if train {
			sum, sq = c.sum, c.sq
		}
		// Each block but the last writes its output as the next block's
		// input, in the phase layout.
		m.bn[i].forward(m.in[i+1], m.z[i], bp.Bias, sum, sq, bp.BNWeight, bp.BNBias, bp.RunningMean, bp.RunningVar, n, ho, ho, i < Blocks-1, train)
	}
	return m.embedding(n)
}

// embedding flattens the last block's channel-major 64×n×2×2 output into
// m.emb, n×256 in PyTorch's x.flatten(1) order: sample s's value of
// channel c at (y, x) goes to column c·4 + y·2 + x.
func (m *Conv4S2Of[T]) embedding(n int) []T {
	const hw = Conv4S2Out * Conv4S2Out
	out := m.in[Blocks]
	for c := 0; c < Filters; c++ {
		for s := 0; s < n; s++ {
			copy(m.emb[s*Conv4S2EmbeddingDim+c*hw:][:hw], out[(c*n+s)*hw:][:hw])
		}
	}
	return m.emb
}

// Backward writes into g the gradients of the loss with respect to the
// trainable parameters, given dEmb (n×256), the gradient of the loss with
// respect to the embeddings of the last Forward, which must have been
// called with the same p. It overwrites g; it does not accumulate. If dx
// is not nil it also writes there the gradient with respect to that
// Forward's images (n×1×28×28).
func (m *Conv4S2Of[T]) Backward(p *[Blocks]BlockParams[T], dEmb []T, g *[Blocks]BlockGrads[T], dx []T) {
	const hw = Conv4S2Out * Conv4S2Out
	n := m.n
	dout := m.d[0][:Filters*n*hw]
	for c := 0; c < Filters; c++ {
		for s := 0; s < n; s++ {
			copy(dout[(c*n+s)*hw:][:hw], dEmb[s*Conv4S2EmbeddingDim+c*hw:][:hw])
		}
	}
	next := 1
	for i := Blocks - 1; i >= 0; i-- {
		h, ho := s2Size(i), s2Size(i+1)
		bp, bg := &p[i], &g[i]
		// The BatchNorm's per-channel pass gives its own gradients and the
		// convolution's bias gradient (the sum of dZ, in closed form); the
		// convolution then gets dZ from it chunk by chunk.
		m.bn[i].prepare(bg.BNWeight, bg.BNBias, bg.Bias, dout, m.z[i], bp.BNWeight, n, ho*ho)
		var dIn []T
		if i > 0 {
			dIn = m.d[next][:blockIn(i)*n*h*h]
		} else if dx != nil {
			// One input channel: channel-major is the images' layout.
			dIn = dx[:n*h*h]
		}
		m.conv[i].backward(dIn, bg.Weight, m.in[i], bp.Weight, n, h, h)
		m.bn[i].release()
		dout, next = dIn, 1-next
	}
}
