package nn

import (
	"math"

	"metaglot/core/gemm"
)

// The two layers of a Conv4S2 block: a 3×3 convolution with stride 2 and
// padding 1 (convS2), and BatchNorm → ReLU fused into one pass (bnRelu).
// They follow conv3x3 and bnReluPool (conv.go, block.go): channel-major
// activations (C×N×H×W), the convolution as one matrix product per chunk
// of samples over im2col columns, per-worker buffers, BatchNorm statistics
// summed while the convolution's output is in cache, and dZ rebuilt chunk
// by chunk in the backward pass instead of being stored.

// s2Out returns the output size of a 3×3, stride 2, padding 1 convolution
// on an input of size h: ⌊(h + 2·1 − 3)/2⌋ + 1 = ⌈h/2⌉. 28 → 14 → 7 → 4 → 2.
func s2Out(h int) int { return (h + 1) / 2 }

// convS2 is a 3×3 convolution, stride 2, padding 1 on every side, without
// bias, over a channel-major batch: x is Cin×N×H×W, given in the phase
// layout (see im2colS2), z is Cout×N×Ho×Wo with
// Ho = ⌈H/2⌉, Wo = ⌈W/2⌉, and output (oy, ox) reads the input rows
// 2·oy−1 … 2·oy+1 and columns 2·ox−1 … 2·ox+1 (zero outside the image),
// as PyTorch's nn.Conv2d(cin, cout, 3, stride=2, padding=1). So
//
//	Z[Cout × N·Ho·Wo] = W[Cout × Cin·9] · col[Cin·9 × N·Ho·Wo]
//
// with col the strided im2col unfolding (im2colS2), computed a few samples
// at a time into each worker's buffer. Stride 2 makes a quarter of the
// columns of the stride-1 layer on the same input, hence a quarter of the
// multiplies.
//
// A convS2 owns its working buffers and reuses them; it is not safe for
// concurrent use.
type convS2[T Float] struct {
	e         engine[T]
	cin, cout int

	// chunk is the number of samples unfolded at once: as many as fit in
	// target columns (colTarget if 0), at least one.
	chunk  int
	target int
	// col[w] is worker w's unfolding buffer, Cin·9 × chunk·Ho·Wo; ph[w]
	// its phase scratch (col2imS2), 4 × chunk·Ho·Wo.
	col, ph [][]T
	// dw[w] is worker w's partial weight gradient, Cout × Cin·9, or its
	// transpose when dwT is set (few input channels: colᵀ·dZᵀ is the
	// better-shaped product, as in conv3x3).
	dw  [][]T
	dwT bool
	// backward takes dZ from fillDZ(buf, ld, s0, s1), called by each
	// worker for its chunk [s0, s1) into dzBuf[worker] (row stride ld).
	fillDZ func(dz []T, ld, s0, s1 int)
	dzBuf  [][]T
	// With stats set, forward also sums each output channel and its
	// squares while each chunk is in cache: per worker in psum, psq, then
	// in sum, sq.
	stats     bool
	psum, psq [][]float64
	sum, sq   []float64
	// ws, if set (T float32 only), gives each worker's gemm Workspace:
	// the weights are then packed once per call for the kernel, as wp
	// (forward, W) and wpT (backward, Wᵀ), instead of once per chunk.
	ws      func(worker int) *gemm.Workspace
	wp, wpT gemm.PackedA
	// vec: T is float32 and the CPU runs the Float32x4 loops
	// (conv4s2_vec.go); sum4: and the Float64x4 sums (conv4s2_sum_amd64.go).
	vec, sum4 bool
	// quad: the input is in quarter phases (toQuads; H, W multiples of
	// 4) and z, and dZ from fillDZ, have their columns in the phase
	// layout (conv4s2_quad.go). dxPhased: backward writes dx in the phase
	// layout (H, W even) instead of the ordinary one.
	quad, dxPhased bool

	// Arguments of the call in progress, read by the worker functions.
	n, h, w  int
	x, wt, z []T
	dx       []T
	fwd, bwd func(worker, lo, hi int)
}

func newConvS2[T Float](e engine[T], cin, cout int) *convS2[T] {
	_, f32 := any(T(0)).(float32)
	l := &convS2[T]{e: e, cin: cin, cout: cout, dwT: cin*9 < cout,
		sum: make([]float64, cout), sq: make([]float64, cout), vec: f32 && haveVec4(), sum4: f32 && haveSum4()}
	l.fwd = l.forwardRange
	l.bwd = l.backwardRange
	return l
}

// reserve sizes the per-worker buffers for inputs of h×w.
func (l *convS2[T]) reserve(h, w int) {
	ohw := s2Out(h) * s2Out(w)
	target := colTarget
	if l.target > 0 {
		target = l.target
	}
	l.chunk = max(1, target/ohw)
	k := l.cin * 9
	threads := l.e.par.Threads()
	for len(l.col) < threads {
		l.col = append(l.col, nil)
		l.ph = append(l.ph, nil)
		l.dzBuf = append(l.dzBuf, nil)
		l.dw = append(l.dw, make([]T, l.cout*k))
		l.psum = append(l.psum, make([]float64, l.cout))
		l.psq = append(l.psq, make([]float64, l.cout))
	}
	need := k * l.chunk * ohw
	for i := range l.col {
		if len(l.col[i]) < need {
			l.col[i] = make([]T, need)
		}
		if len(l.ph[i]) < 4*l.chunk*ohw {
			l.ph[i] = make([]T, 4*l.chunk*ohw)
		}
		if l.fillDZ != nil && len(l.dzBuf[i]) < l.cout*l.chunk*ohw {
			l.dzBuf[i] = make([]T, l.cout*l.chunk*ohw)
		}
	}
}

// forward computes z = conv(x, wt): x Cin×n×h×w in the phase layout
// (phaseLen(cin, n, h, w) values), z Cout×n×⌈h/2⌉×⌈w/2⌉, wt Cout×Cin×3×3
// (PyTorch's layout, row-major the Cout × Cin·9 matrix).
func (l *convS2[T]) forward(z, x, wt []T, n, h, w int) {
	l.reserve(h, w)
	l.n, l.h, l.w = n, h, w
	l.x, l.wt, l.z = x, wt, z
	if l.ws != nil {
		k := l.cin * 9
		l.ws(0).PackA(&l.wp, false, l.cout, k, any(wt).([]float32), k)
	}
	threads := l.e.par.Threads()
	if l.stats {
		for i := 0; i < threads; i++ {
			clear(l.psum[i])
			clear(l.psq[i])
		}
	}
	l.e.par.For(n, l.fwd)
	if l.stats {
		copy(l.sum, l.psum[0])
		copy(l.sq, l.psq[0])
		for i := 1; i < threads; i++ {
			for c := range l.sum {
				l.sum[c] += l.psum[i][c]
				l.sq[c] += l.psq[i][c]
			}
		}
	}
	l.x, l.wt, l.z = nil, nil, nil
}

func (l *convS2[T]) forwardRange(worker, lo, hi int) {
	col := l.col[worker]
	ohw := s2Out(l.h) * s2Out(l.w)
	nohw := l.n * ohw
	k := l.cin * 9
	for s0 := lo; s0 < hi; s0 += l.chunk {
		s1 := min(hi, s0+l.chunk)
		cols := (s1 - s0) * ohw
		// The chunk's columns go to z as one range or, quad, as one range
		// per output phase, seg columns each.
		nseg, seg := 1, cols
		if l.quad {
			im2colS2Quad(col, l.x, l.cin, l.n, l.h, l.w, s0, s1)
			nseg, seg = 4, cols/4
		} else {
			im2colS2(col, l.x, l.cin, l.n, l.h, l.w, s0, s1)
		}
		for p := 0; p < nseg; p++ {
			zo := (p*l.n + s0) * (ohw / nseg) // z's column of the range
			if l.ws != nil {
				l.ws(worker).SgemmPacked(&l.wp, seg, 1, any(col[p*seg:]).([]float32), cols, 0, any(l.z[zo:]).([]float32), nohw)
			} else {
				l.e.gemm(worker, false, false, l.cout, seg, k, 1, l.wt, k, col[p*seg:], cols, 0, l.z[zo:], nohw)
			}
			if l.stats {
				ps, pq := l.psum[worker], l.psq[worker]
				for co := 0; co < l.cout; co++ {
					zc := l.z[co*nohw+zo:][:seg]
					var s, ss float64
					if l.sum4 {
						s, ss = sums4(any(zc).([]float32))
					} else {
						s, ss = sums(zc)
					}
					ps[co] += s
					pq[co] += ss
				}
			}
		}
	}
}

// backward writes (does not accumulate) the weight gradient dwt and, if dx
// is not nil, the input gradient dx (cin×n×h×w, the ordinary layout),
// given the x (phase layout) and wt of the forward call; dZ comes from
// fillDZ chunk by chunk.
func (l *convS2[T]) backward(dx, dwt, x, wt []T, n, h, w int) {
	l.reserve(h, w)
	l.n, l.h, l.w = n, h, w
	l.x, l.wt, l.dx = x, wt, dx
	if l.ws != nil && dx != nil {
		k := l.cin * 9
		l.ws(0).PackA(&l.wpT, true, k, l.cout, any(wt).([]float32), k)
	}
	threads := l.e.par.Threads()
	for i := 0; i < threads; i++ {
		clear(l.dw[i])
	}
	l.e.par.For(n, l.bwd)
	k := l.cin * 9
	if l.dwT {
		for co := 0; co < l.cout; co++ {
			for j := 0; j < k; j++ {
				var s T
				for i := 0; i < threads; i++ {
					s += l.dw[i][j*l.cout+co]
				}
				dwt[co*k+j] = s
			}
		}
	} else {
		copy(dwt, l.dw[0])
		for i := 1; i < threads; i++ {
			for j, v := range l.dw[i] {
				dwt[j] += v
			}
		}
	}
	l.x, l.wt, l.dx = nil, nil, nil
}

func (l *convS2[T]) backwardRange(worker, lo, hi int) {
	col, dz, dw := l.col[worker], l.dzBuf[worker], l.dw[worker]
	ohw := s2Out(l.h) * s2Out(l.w)
	k := l.cin * 9
	for s0 := lo; s0 < hi; s0 += l.chunk {
		s1 := min(hi, s0+l.chunk)
		cols := (s1 - s0) * ohw
		l.fillDZ(dz, cols, s0, s1)
		if l.quad {
			im2colS2Quad(col, l.x, l.cin, l.n, l.h, l.w, s0, s1)
		} else {
			im2colS2(col, l.x, l.cin, l.n, l.h, l.w, s0, s1)
		}
		if l.dwT {
			// dWᵀ += col · dZ[:, chunk]ᵀ
			l.e.gemm(worker, false, true, k, l.cout, cols, 1, col, cols, dz, cols, 1, dw, l.cout)
		} else {
			// dW += dZ[:, chunk] · colᵀ
			l.e.gemm(worker, false, true, l.cout, k, cols, 1, dz, cols, col, cols, 1, dw, k)
		}
		if l.dx != nil {
			// dcol = Wᵀ · dZ[:, chunk], folded back onto the input.
			if l.ws != nil {
				l.ws(worker).SgemmPacked(&l.wpT, cols, 1, any(dz).([]float32), cols, 0, any(col).([]float32), cols)
			} else {
				l.e.gemm(worker, true, false, k, cols, l.cout, 1, l.wt, k, dz, cols, 0, col, cols)
			}
			if l.quad {
				col2imS2Quad(l.dx, col, l.cin, l.n, l.h, l.w, s0, s1)
			} else {
				col2imS2(l.dx, col, l.ph[worker], l.cin, l.n, l.h, l.w, s0, s1, l.vec, l.dxPhased)
			}
		}
	}
}

// The phase layout. A stride-2 convolution reads every other pixel, which
// as a gather is slow; split into its four phases (even or odd rows ×
// even or odd columns) an input plane needs only flat shifts. So Conv4S2
// keeps every convolution's input in the phase layout: a C×N×H×W batch is
// stored C×4×N×Ho×Wo (Ho, Wo = ⌈H/2⌉, ⌈W/2⌉), entry
// ((c·4 + a·2+b)·N + s)·Ho·Wo + r·Wo + q holding x[c, s, 2r+a, 2q+b], or 0
// where that lies outside the plane (odd H or W). The previous block's
// BatchNorm → ReLU writes it directly (bnRelu with phased set), the images
// are split once per Forward (toPhases), and since the phases of a channel
// are contiguous over the samples, one tap of a whole chunk of samples is
// a single block copy.

// phaseLen returns the number of values the phase layout of c channels of
// n h×w planes takes: c·4·n·⌈h/2⌉·⌈w/2⌉.
func phaseLen(c, n, h, w int) int { return c * 4 * n * s2Out(h) * s2Out(w) }

// toPhases writes the channel-major batch x (c×n×h×w) into xph in the phase
// layout (c×4×n×ho×wo).
func toPhases[T Float](xph, x []T, c, n, h, w int) {
	hw := h * w
	ohw := s2Out(h) * s2Out(w)
	for ci := 0; ci < c; ci++ {
		for s := 0; s < n; s++ {
			splitPhases(xph[(ci*4*n+s)*ohw:], x[(ci*n+s)*hw:][:hw], n*ohw, h, w)
		}
	}
}

// im2colS2 unfolds samples [s0, s1) of the input xph, given in the phase
// layout (cin×4×n×ho×wo, of a cin×n×h×w batch), for a 3×3, stride 2,
// padding 1 convolution into col, a (cin·9) × ((s1−s0)·ho·wo) matrix:
// row (ci·3+kh)·3+kw, column (s−s0)·ho·wo + oy·wo + ox holds
// x[ci, s, 2·oy+kh−1, 2·ox+kw−1], or 0 outside the image.
//
// Tap (kh, kw) reads the phase of row parity (kh+1) mod 2 and column
// parity (kw+1) mod 2, shifted back one row if kh = 0 and one column if
// kw = 0: for the whole chunk one block copy, then zeros where the shift
// crosses the top or the left edge of a plane (the padding).
// im2colS2Plain (in the tests) is the direct gather it equals.
func im2colS2[T Float](col, xph []T, cin, n, h, w, s0, s1 int) {
	wo := s2Out(w)
	ohw := s2Out(h) * wo
	cols := (s1 - s0) * ohw
	for ci := 0; ci < cin; ci++ {
		for kh := 0; kh < 3; kh++ {
			for kw := 0; kw < 3; kw++ {
				src := xph[((ci*4+(1-kh&1)*2+1-kw&1)*n+s0)*ohw:][:cols]
				dst := col[((ci*3+kh)*3+kw)*cols:][:cols]
				// dst[j] = src[j+off], off = −(wo if kh = 0) − (1 if kw = 0).
				lo := 0
				if kh == 0 {
					lo += wo
				}
				if kw == 0 {
					lo++
				}
				lo = min(lo, cols)
				copy(dst[lo:], src[:cols-lo])
				clear(dst[:lo])
				if kh == 0 { // row −1 of every plane
					for j := ohw; j < cols; j += ohw {
						clear(dst[j:][:wo])
					}
				}
				if kw == 0 { // column −1 on every row
					for j := 0; j < cols; j += wo {
						dst[j] = 0
					}
				}
			}
		}
	}
}

// splitPhases writes the h×w plane x into ph as its four phases, each
// ho×wo (ho, wo = ⌈h/2⌉, ⌈w/2⌉), stride apart: phase a·2+b holds
// x[2r+a, 2c+b] at ph[(a·2+b)·stride + r·wo + c], or 0 where that lies
// outside the plane.
func splitPhases[T Float](ph, x []T, stride, h, w int) {
	ho, wo := s2Out(h), s2Out(w)
	ohw := ho * wo
	p00, p01, p10, p11 := ph[:ohw], ph[stride:][:ohw], ph[2*stride:][:ohw], ph[3*stride:][:ohw]
	we := w / 2 // columns with both an even and an odd pixel
	for r := 0; r < ho; r++ {
		even := x[2*r*w:][:w]
		d0, d1 := p00[r*wo:][:wo], p01[r*wo:][:wo]
		for c := 0; c < we; c++ {
			d0[c], d1[c] = even[2*c], even[2*c+1]
		}
		if we < wo { // odd width: the last even column has no odd twin
			d0[we], d1[we] = even[2*we], 0
		}
		d2, d3 := p10[r*wo:][:wo], p11[r*wo:][:wo]
		if 2*r+1 >= h {
			clear(d2)
			clear(d3)
			continue
		}
		odd := x[(2*r+1)*w:][:w]
		for c := 0; c < we; c++ {
			d2[c], d3[c] = odd[2*c], odd[2*c+1]
		}
		if we < wo {
			d2[we], d3[we] = odd[2*we], 0
		}
	}
}

// col2imS2 is the adjoint of im2colS2 with the result in the ordinary
// layout: it sets samples [s0, s1) of dx (cin×n×h×w, channel-major) to the
// sum of the col entries that im2colS2 copied from each position
// (neighbouring outputs' windows overlap by one row and one column, so
// pixels on odd rows or columns receive from two taps). It works in the
// phase layout of the chunk: each tap is one flat block copy (the first
// of its phase, which is unshifted) or addition into its phase, and each
// plane's phases are then interleaved into dx. Phase (0, 0) receives only
// the centre tap, so it is read from col in place; the other three are
// built in ph (scratch of 4·(s1−s0)·ho·wo values). It overwrites the
// entries of col that im2colS2 set to zero (taps in the padding) with
// zeros. vec (T float32 only) adds by addVec. With phased set (h and w
// even), dx is written in the phase layout instead (cin×4×n×ho×wo), where
// each phase is one copy.
func col2imS2[T Float](dx, col, ph []T, cin, n, h, w, s0, s1 int, vec, phased bool) {
	hw := h * w
	wo := s2Out(w)
	ohw := s2Out(h) * wo
	cols := (s1 - s0) * ohw
	ph = ph[:4*cols]
	for ci := 0; ci < cin; ci++ {
		// Rows 1, 2, 0 and columns 1, 2, 0: the unshifted tap of each
		// phase comes first.
		for _, kh := range [3]int{1, 2, 0} {
			for _, kw := range [3]int{1, 2, 0} {
				if kh == 1 && kw == 1 {
					continue // phase (0, 0): read in place
				}
				dst := ph[((1-kh&1)*2+1-kw&1)*cols:][:cols]
				src := col[((ci*3+kh)*3+kw)*cols:][:cols]
				if kh != 0 && kw != 0 {
					copy(dst, src)
					continue
				}
				lo := 0
				if kh == 0 {
					lo += wo
					for j := 0; j < cols; j += ohw {
						clear(src[j:][:wo])
					}
				}
				if kw == 0 {
					lo++
					for j := 0; j < cols; j += wo {
						src[j] = 0
					}
				}
				lo = min(lo, cols)
				if vec {
					addVec(any(dst[:cols-lo]).([]float32), any(src[lo:]).([]float32))
				} else {
					addTo(dst[:cols-lo], src[lo:])
				}
			}
		}
		centre := col[(ci*9+4)*cols:][:cols]
		if phased {
			copy(dx[((ci*4)*n+s0)*ohw:][:cols], centre)
			for p := 1; p < 4; p++ {
				copy(dx[((ci*4+p)*n+s0)*ohw:][:cols], ph[p*cols:][:cols])
			}
			continue
		}
		for s := s0; s < s1; s++ {
			j := (s - s0) * ohw
			mergePhases(dx[(ci*n+s)*hw:][:hw], centre[j:], ph[cols+j:], ph[2*cols+j:], ph[3*cols+j:], h, w)
		}
	}
}

// addTo sets dst[i] += src[i] for every i of dst (src at least as long).
func addTo[T Float](dst, src []T) {
	src = src[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, s := dst[i:i+4:i+4], src[i:i+4:i+4]
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// mergePhases is the inverse of splitPhases: it writes every pixel of the
// h×w plane x from its phases p00, p01, p10, p11 (rows and columns even
// or odd; the padding entries are dropped).
func mergePhases[T Float](x, p00, p01, p10, p11 []T, h, w int) {
	ho, wo := s2Out(h), s2Out(w)
	ohw := ho * wo
	p00, p01, p10, p11 = p00[:ohw], p01[:ohw], p10[:ohw], p11[:ohw]
	we := w / 2
	for r := 0; r < ho; r++ {
		even := x[2*r*w:][:w]
		d0, d1 := p00[r*wo:][:wo], p01[r*wo:][:wo]
		for c := 0; c < we; c++ {
			even[2*c], even[2*c+1] = d0[c], d1[c]
		}
		if we < wo {
			even[2*we] = d0[we]
		}
		if 2*r+1 >= h {
			continue
		}
		odd := x[(2*r+1)*w:][:w]
		d2, d3 := p10[r*wo:][:wo], p11[r*wo:][:wo]
		for c := 0; c < we; c++ {
			odd[2*c], odd[2*c+1] = d2[c], d3[c]
		}
		if we < wo {
			odd[2*we] = d2[we]
		}
	}
}

// bnRelu is BatchNorm → ReLU fused into one pass over a channel-major
// batch (C×N×H×W in; the same shape out, in the ordinary layout or, with
// phased set, in the phase layout the next convolution reads). The
// backward pass needs only the pre-normalisation input z: the ReLU's mask
// is recomputed from it (the very same float operations as the forward's,
// so the same mask), and dz is an affine function of z plus k·dout where
// the output is positive, rebuilt chunk by chunk by fill for the
// convolution's backward pass. Work is split among the workers by
// channel.
type bnRelu[T Float] struct {
	e     engine[T]
	c     int
	train bool
	// mean and invstd per channel, saved for the backward pass; mean64 is
	// the mean before rounding to T; scale and shift give the output,
	// max(T(scale·z) + shift, 0).
	mean, invstd, scale, shift []T
	mean64                     []float64
	// Per-channel coefficients of dz, set by prepare for fill.
	c0, c1, k []T
	// vec: T is float32 and the CPU runs the Float32x4 loops
	// (conv4s2_vec.go); sum4: and the Float64x4 sums (conv4s2_sum_amd64.go).
	vec, sum4 bool
	// zphased: z and dout are in the phase layout (H, W even; the quad
	// convolution's output), and so is out, elementwise.
	zphased bool

	// Arguments of the call in progress.
	n, h, w, hw             int
	phased                  bool
	z, out, gamma, beta, rm []T
	rv, bias                []T
	sum, sq                 []float64
	dout, dgamma, dbeta     []T
	dz1                     []T
	fwd, bwd                func(worker, lo, hi int)
}

func newBNRelu[T Float](e engine[T], c int) *bnRelu[T] {
	b := &bnRelu[T]{e: e, c: c, mean: make([]T, c), invstd: make([]T, c), scale: make([]T, c), shift: make([]T, c),
		mean64: make([]float64, c), c0: make([]T, c), c1: make([]T, c), k: make([]T, c)}
	_, f32 := any(T(0)).(float32)
	b.vec, b.sum4 = f32 && haveVec4(), f32 && haveSum4()
	b.fwd = b.forwardRange
	b.bwd = b.prepareRange
	return b
}

// forward reads z (c×n×h×w) and writes out = ReLU(BatchNorm(z + bias)),
// c×n×h×w in the ordinary layout or, if phased, in the phase layout
// (phaseLen(c, n, h, w) values, the padding set to 0). In training mode it
// normalises with the batch's statistics (from sum and sq, each channel's
// Σz and Σz², if not nil) and updates the running statistics rm and rv as
// bnReluPool does; otherwise it uses them. bias (the convolution's, or
// nil) only shifts the mean: everything saved for the backward pass is
// relative to z.
func (b *bnRelu[T]) forward(out, z, bias []T, sum, sq []float64, gamma, beta, rm, rv []T, n, h, w int, phased, train bool) {
	b.n, b.h, b.w, b.hw, b.phased, b.train = n, h, w, h*w, phased, train
	b.out, b.z, b.bias, b.gamma, b.beta, b.rm, b.rv = out, z, bias, gamma, beta, rm, rv
	b.sum, b.sq = sum, sq
	b.e.par.For(b.c, b.fwd)
	b.out, b.z, b.bias, b.gamma, b.beta, b.rm, b.rv = nil, nil, nil, nil, nil, nil, nil
	b.sum, b.sq = nil, nil
}

func (b *bnRelu[T]) forwardRange(_, lo, hi int) {
	m := b.n * b.hw
	for ch := lo; ch < hi; ch++ {
		zc := b.z[ch*m:][:m]
		var bias float64
		if b.bias != nil {
			bias = float64(b.bias[ch])
		}
		// mu is the mean in z's terms: the input's mean minus the bias.
		var mu, is float64
		if b.train {
			var unb float64
			if b.sum != nil {
				mu, is, unb = statsFromSums(b.sum[ch], b.sq[ch], m)
			} else {
				mu, is, unb = bnStats(zc)
			}
			updateRunning(&b.rm[ch], &b.rv[ch], mu+bias, unb)
		} else {
			mu, is = float64(b.rm[ch])-bias, 1/math.Sqrt(float64(b.rv[ch])+BNEps)
		}
		b.mean[ch], b.invstd[ch], b.mean64[ch] = T(mu), T(is), mu
		scale := T(float64(b.gamma[ch]) * is)
		shift := T(float64(b.beta[ch]) - mu*float64(b.gamma[ch])*is)
		b.scale[ch], b.shift[ch] = scale, shift
		if b.phased && !b.zphased {
			plen := phaseLen(1, b.n, b.h, b.w)
			bnReluPhases(b.out[ch*plen:][:plen], zc, scale, shift, b.n, b.h, b.w)
			continue
		}
		oc := b.out[ch*m:][:m]
		if b.vec {
			reluVec(any(oc).([]float32), any(zc).([]float32), any(scale).(float32), any(shift).(float32))
			continue
		}
		for i, v := range zc {
			// max(·, 0) gives +0 for every non-positive value (Go's max
			// of −0 and +0 is +0), which pass relies on. The conversion
			// keeps the compiler from fusing the multiply and the add,
			// so that prepare and fill recompute exactly this value.
			oc[i] = max(T(scale*v)+shift, 0)
		}
	}
}

// bnReluPhases writes max(T(scale·z) + shift, 0) for the n h×w planes of
// one channel, z, into out in the phase layout (4×n×ho×wo, padding 0).
func bnReluPhases[T Float](out, z []T, scale, shift T, n, h, w int) {
	hw := h * w
	wo := s2Out(w)
	ohw := s2Out(h) * wo
	st := n * ohw // distance between phases
	we := w / 2
	for s := 0; s < n; s++ {
		zs := z[s*hw:][:hw]
		for y := 0; y < h; y++ {
			zr := zs[y*w:][:w]
			o := ((y&1)*2*n+s)*ohw + (y>>1)*wo
			ev, od := out[o:][:wo], out[o+st:][:wo]
			for c := 0; c < we; c++ {
				ev[c] = max(T(scale*zr[2*c])+shift, 0)
				od[c] = max(T(scale*zr[2*c+1])+shift, 0)
			}
			if we < wo { // odd width: the last even column has no odd twin
				ev[we] = max(T(scale*zr[2*we])+shift, 0)
				od[we] = 0
			}
		}
		if h&1 == 1 { // odd height: the last odd row lies outside
			o := (2*n+s)*ohw + (h>>1)*wo
			clear(out[o:][:wo])
			clear(out[o+st:][:wo])
		}
	}
}

// prepare computes, per channel, dgamma, dbeta, dzSum (the convolution's
// bias gradient, if not nil) and the coefficients fill needs, given dout
// (c×n×hw, the gradient at the output, in the ordinary layout) and the
// forward's z, which must stay unchanged until release. It overwrites dout
// with dy, the gradient at the BatchNorm's output: dout where the output
// is positive, 0 elsewhere (ReLU), which fill reads.
func (b *bnRelu[T]) prepare(dgamma, dbeta, dzSum, dout, z, gamma []T, n, hw int) {
	b.n, b.hw = n, hw
	b.dgamma, b.dbeta, b.dz1, b.dout, b.z, b.gamma = dgamma, dbeta, dzSum, dout, z, gamma
	b.e.par.For(b.c, b.bwd)
}

// release drops the references prepare took.
func (b *bnRelu[T]) release() {
	b.dgamma, b.dbeta, b.dz1, b.dout, b.z, b.gamma = nil, nil, nil, nil, nil, nil
}

func (b *bnRelu[T]) prepareRange(_, lo, hi int) {
	m := b.n * b.hw
	for ch := lo; ch < hi; ch++ {
		zc, doc := b.z[ch*m:][:m], b.dout[ch*m:][:m]
		mu, is := float64(b.mean[ch]), float64(b.invstd[ch])
		var sdy, sdyx float64
		if b.vec {
			reluMaskVec(any(doc).([]float32), any(zc).([]float32), any(b.scale[ch]).(float32), any(b.shift[ch]).(float32))
			if b.sum4 {
				sdy, sdyx = dySums4(any(doc).([]float32), any(zc).([]float32), mu)
			} else {
				sdy, sdyx = dySums(doc, zc, mu)
			}
		} else {
			sdy, sdyx = reluMaskSums(doc, zc, b.scale[ch], b.shift[ch], mu)
		}
		sdyx *= is
		b.dgamma[ch], b.dbeta[ch] = T(sdyx), T(sdy)
		k := float64(b.gamma[ch]) * is
		// dz = k·dy − k/m·(Σdy + x̂·Σdy·x̂): in training mode
		// c0 + c1·(z − mean) + k·dy, in inference mode k·dy.
		var c0, c1 T
		if b.train {
			c0 = T(-k / float64(m) * sdy)
			c1 = T(-k / float64(m) * sdyx * is)
		}
		b.c0[ch], b.c1[ch], b.k[ch] = c0, c1, T(k)
		if b.dz1 != nil {
			// Σ dz = Σ k·dy + m·c0 + c1·m·(mean − mean rounded to T).
			fm := float64(m)
			b.dz1[ch] = T(float64(T(k))*sdy + fm*float64(c0) + float64(c1)*fm*(b.mean64[ch]-float64(b.mean[ch])))
		}
	}
}

// fill writes dz for samples [s0, s1) after prepare: channel ch's values
// for sample s go to dz[ch·ld + (s−s0)·hw ...]. Workers may call it at
// once on disjoint sample ranges.
func (b *bnRelu[T]) fill(dz []T, ld, s0, s1 int) {
	m := b.n * b.hw
	// The chunk's columns: one range of z or, zphased, one per phase.
	nseg, seg := 1, (s1-s0)*b.hw
	if b.zphased {
		nseg, seg = 4, (s1-s0)*b.hw/4
	}
	for ch := 0; ch < b.c; ch++ {
		c0, c1, mu, kT := b.c0[ch], b.c1[ch], b.mean[ch], b.k[ch]
		for p := 0; p < nseg; p++ {
			off := ch*m + (p*b.n+s0)*(b.hw/nseg)
			zc, dyc := b.z[off:][:seg], b.dout[off:][:seg]
			dzc := dz[ch*ld+p*seg:][:seg]
			if b.vec {
				fillVec(any(dzc).([]float32), any(zc).([]float32), any(dyc).([]float32),
					any(c0).(float32), any(c1).(float32), any(mu).(float32), any(kT).(float32))
				continue
			}
			for i, v := range zc {
				dzc[i] = c0 + c1*(v-mu) + kT*dyc[i]
			}
		}
	}
}

// reluMaskSums sets d[i] to 0 where the ReLU's output
// max(T(scale·z[i]) + shift, 0) is 0, leaving it where the output is
// positive, and returns Σd and Σd·(z − mu) over the result, in float64.
// Four pairs of accumulators keep the additions from waiting on each
// other.
func reluMaskSums[T Float](d, z []T, scale, shift T, mu float64) (sdy, sdyx float64) {
	z = z[:len(d)]
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+4 <= len(d); i += 4 {
		dd, zz := d[i:i+4:i+4], z[i:i+4:i+4]
		y0 := pass(dd[0], max(T(scale*zz[0])+shift, 0))
		y1 := pass(dd[1], max(T(scale*zz[1])+shift, 0))
		y2 := pass(dd[2], max(T(scale*zz[2])+shift, 0))
		y3 := pass(dd[3], max(T(scale*zz[3])+shift, 0))
		dd[0], dd[1], dd[2], dd[3] = T(y0), T(y1), T(y2), T(y3)
		s0, s1, s2, s3 = s0+y0, s1+y1, s2+y2, s3+y3
		q0 += y0 * (float64(zz[0]) - mu)
		q1 += y1 * (float64(zz[1]) - mu)
		q2 += y2 * (float64(zz[2]) - mu)
		q3 += y3 * (float64(zz[3]) - mu)
	}
	for ; i < len(d); i++ {
		y := pass(d[i], max(T(scale*z[i])+shift, 0))
		d[i] = T(y)
		s0 += y
		q0 += y * (float64(z[i]) - mu)
	}
	return (s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)
}

// dySums returns Σd and Σd·(z − mu) in float64 (reluMaskSums' sums, on
// d already masked).
func dySums[T Float](d, z []T, mu float64) (sdy, sdyx float64) {
	z = z[:len(d)]
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+4 <= len(d); i += 4 {
		dd, zz := d[i:i+4:i+4], z[i:i+4:i+4]
		y0, y1, y2, y3 := float64(dd[0]), float64(dd[1]), float64(dd[2]), float64(dd[3])
		s0, s1, s2, s3 = s0+y0, s1+y1, s2+y2, s3+y3
		q0 += y0 * (float64(zz[0]) - mu)
		q1 += y1 * (float64(zz[1]) - mu)
		q2 += y2 * (float64(zz[2]) - mu)
		q3 += y3 * (float64(zz[3]) - mu)
	}
	for ; i < len(d); i++ {
		y := float64(d[i])
		s0 += y
		q0 += y * (float64(z[i]) - mu)
	}
	return (s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)
}
