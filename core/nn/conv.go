package nn

// conv3x3 is a 3×3 convolution, stride 1, padding 1, over a channel-major
// batch: activations are stored C×N×H×W (each channel's N·H·W values
// contiguous), so the whole layer is one matrix product
//
//	Z[Cout × N·H·W] = W[Cout × Cin·9] · col[Cin·9 × N·H·W] + b
//
// where col is the im2col unfolding of the input. The product is computed
// chunk by chunk (a few samples at a time) so that each worker unfolds into
// its own small buffer instead of materialising the whole col matrix.
// Weights are PyTorch's [Cout, Cin, 3, 3], which read row-major is exactly
// the Cout × Cin·9 matrix above.
//
// A conv3x3 owns its working buffers and reuses them between calls; it is
// not safe for concurrent use.
type conv3x3[T Float] struct {
	e         engine[T]
	cin, cout int

	// chunk is the number of samples unfolded at once: as many as fit in
	// target columns (colTarget if 0), at least one.
	chunk  int
	target int
	// col[w] is worker w's unfolding buffer, Cin·9 × chunk·H·W.
	col [][]T
	// dw[w] is worker w's partial weight gradient, Cout × Cin·9, or its
	// transpose when dwT is set: with few input channels (the first
	// layer, Cin·9 = 9), colᵀ·dZᵀ is a much better-shaped product than
	// dZ·colᵀ.
	dw  [][]T
	dwT bool
	// With fillDZ set, backward takes dZ not from a stored slice but from
	// fillDZ(buf, ld, s0, s1), called by each worker for its chunk
	// [s0, s1) into its buffer dzBuf[worker] (row stride ld), so that dZ is
	// never stored whole.
	fillDZ func(dz []T, ld, s0, s1 int)
	dzBuf  [][]T
	// With stats set, forward also sums each output channel and its
	// squares (while each chunk is in cache): per worker in psum, psq, then
	// in sum, sq.
	stats     bool
	psum, psq [][]float64
	sum, sq   []float64
	// With epilogue set, forward writes each chunk's output not into z but
	// into the worker's buffer zBuf[worker] (Cout × cols, row stride
	// cols) and hands it to epilogue(zc, cols, s0, s1) while it is in
	// cache; z is not written. Inference uses it to pool each chunk at
	// once (see foldPool).
	epilogue func(zc []T, ld, s0, s1 int)
	zBuf     [][]T

	// Arguments of the call in progress, read by the worker functions.
	n, h, w     int
	x, wt, b, z []T
	dz, dx      []T
	fwd, bwd    func(worker, lo, hi int)
	bias        func(worker, lo, hi int)
	db          []T
}

// colTarget is the number of im2col columns (output pixels) a worker
// unfolds at once: large enough for an efficient matrix product, small
// enough that the unfolded chunk stays in cache.
const colTarget = 1024

func newConv3x3[T Float](e engine[T], cin, cout int) *conv3x3[T] {
	l := &conv3x3[T]{e: e, cin: cin, cout: cout, dwT: cin*9 < cout}
	l.fwd = l.forwardRange
	l.bwd = l.backwardRange
	l.bias = l.biasGradRange
	return l
}

// reserve sizes the per-worker buffers for images of h×w.
func (l *conv3x3[T]) reserve(h, w int) {
	hw := h * w
	target := colTarget
	if l.target > 0 {
		target = l.target
	}
	l.chunk = max(1, target/hw)
	k := l.cin * 9
	threads := l.e.par.Threads()
	for len(l.col) < threads {
		l.col = append(l.col, nil)
		l.dw = append(l.dw, make([]T, l.cout*k))
		l.psum = append(l.psum, make([]float64, l.cout))
		l.psq = append(l.psq, make([]float64, l.cout))
	}
	if l.sum == nil {
		l.sum, l.sq = make([]float64, l.cout), make([]float64, l.cout)
	}
	need := k * l.chunk * hw
	for i := range l.col {
		if len(l.col[i]) < need {
			l.col[i] = make([]T, need)
		}
	}
	if l.epilogue != nil {
		for len(l.zBuf) < threads {
			l.zBuf = append(l.zBuf, nil)
		}
		for i := range l.zBuf {
			if len(l.zBuf[i]) < l.cout*l.chunk*hw {
				l.zBuf[i] = make([]T, l.cout*l.chunk*hw)
			}
		}
	}
	if l.fillDZ != nil {
		for len(l.dzBuf) < threads {
			l.dzBuf = append(l.dzBuf, nil)
		}
		for i := range l.dzBuf {
			if len(l.dzBuf[i]) < l.cout*l.chunk*hw {
				l.dzBuf[i] = make([]T, l.cout*l.chunk*hw)
			}
		}
	}
}

// forward computes z = conv(x, wt) + b. x is Cin×n×h×w, z is Cout×n×h×w
// (channel-major), wt is Cout×Cin×3×3 and b has Cout elements, or is nil
// for no bias. With an epilogue, z is not written and may be nil.
func (l *conv3x3[T]) forward(z, x, wt, b []T, n, h, w int) {
	l.reserve(h, w)
	l.n, l.h, l.w = n, h, w
	l.x, l.wt, l.b, l.z = x, wt, b, z
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
	l.x, l.wt, l.b, l.z = nil, nil, nil, nil
}

func (l *conv3x3[T]) forwardRange(worker, lo, hi int) {
	col := l.col[worker]
	hw := l.h * l.w
	nhw := l.n * hw
	k := l.cin * 9
	for s0 := lo; s0 < hi; s0 += l.chunk {
		s1 := min(hi, s0+l.chunk)
		cols := (s1 - s0) * hw
		im2col(col, l.x, l.cin, l.n, l.h, l.w, s0, s1)
		if l.epilogue != nil {
			zc := l.zBuf[worker][:l.cout*cols]
			l.e.gemm(worker, false, false, l.cout, cols, k, 1, l.wt, k, col, cols, 0, zc, cols)
			l.epilogue(zc, cols, s0, s1)
			continue
		}
		var beta T
		if l.b != nil {
			beta = 1
			for co := 0; co < l.cout; co++ {
				row := l.z[co*nhw+s0*hw:][:cols]
				bv := l.b[co]
				for i := range row {
					row[i] = bv
				}
			}
		}
		l.e.gemm(worker, false, false, l.cout, cols, k, 1, l.wt, k, col, cols, beta, l.z[s0*hw:], nhw)
		if l.stats {
			ps, pq := l.psum[worker], l.psq[worker]
			for co := 0; co < l.cout; co++ {
				s, ss := sums(l.z[co*nhw+s0*hw:][:cols])
				ps[co] += s
				pq[co] += ss
			}
		}
	}
}

// backward computes the gradients of the loss with respect to the weights,
// the bias (if db is not nil) and the input (if dx is not nil), given dz, its gradient with
// respect to the output (or nil if fillDZ is set), and the x and wt of the
// forward call. It writes (does not accumulate into) dwt, db and dx; db
// needs dz.
func (l *conv3x3[T]) backward(dx, dwt, db, dz, x, wt []T, n, h, w int) {
	l.reserve(h, w)
	l.n, l.h, l.w = n, h, w
	l.x, l.wt, l.dz, l.dx, l.db = x, wt, dz, dx, db
	threads := l.e.par.Threads()
	for i := 0; i < threads; i++ {
		clear(l.dw[i])
	}
	l.e.par.For(n, l.bwd)
	if l.dwT {
		k := l.cin * 9
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
	if db != nil {
		l.e.par.For(l.cout, l.bias)
	}
	l.x, l.wt, l.dz, l.dx, l.db = nil, nil, nil, nil, nil
}

func (l *conv3x3[T]) backwardRange(worker, lo, hi int) {
	col := l.col[worker]
	dw := l.dw[worker]
	hw := l.h * l.w
	nhw := l.n * hw
	k := l.cin * 9
	for s0 := lo; s0 < hi; s0 += l.chunk {
		s1 := min(hi, s0+l.chunk)
		cols := (s1 - s0) * hw
		var dz []T
		ldz := nhw
		if l.fillDZ != nil {
			dz, ldz = l.dzBuf[worker], cols
			l.fillDZ(dz, cols, s0, s1)
		} else {
			dz = l.dz[s0*hw:]
		}
		im2col(col, l.x, l.cin, l.n, l.h, l.w, s0, s1)
		if l.dwT {
			// dWᵀ += col · dZ[:, chunk]ᵀ
			l.e.gemm(worker, false, true, k, l.cout, cols, 1, col, cols, dz, ldz, 1, dw, l.cout)
		} else {
			// dW += dZ[:, chunk] · colᵀ
			l.e.gemm(worker, false, true, l.cout, k, cols, 1, dz, ldz, col, cols, 1, dw, k)
		}
		if l.dx != nil {
			// dcol = Wᵀ · dZ[:, chunk], folded back onto the input.
			l.e.gemm(worker, true, false, k, cols, l.cout, 1, l.wt, k, dz, ldz, 0, col, cols)
			col2im(l.dx, col, l.cin, l.n, l.h, l.w, s0, s1)
		}
	}
}

func (l *conv3x3[T]) biasGradRange(_, lo, hi int) {
	nhw := l.n * l.h * l.w
	for co := lo; co < hi; co++ {
		var s float64
		for _, v := range l.dz[co*nhw:][:nhw] {
			s += float64(v)
		}
		l.db[co] = T(s)
	}
}

// im2col unfolds samples [s0, s1) of the channel-major input x (cin×n×h×w)
// into col, a (cin·9) × ((s1-s0)·h·w) matrix: row (ci·3+kh)·3+kw, column
// (s-s0)·h·w + y·w + x holds x[ci, s, y+kh-1, x+kw-1], or 0 outside the
// image.
func im2col[T Float](col, x []T, cin, n, h, w, s0, s1 int) {
	hw := h * w
	cols := (s1 - s0) * hw
	for ci := 0; ci < cin; ci++ {
		xc := x[ci*n*hw:]
		for kh := 0; kh < 3; kh++ {
			for kw := 0; kw < 3; kw++ {
				row := col[((ci*3+kh)*3+kw)*cols:][:cols]
				// In flat terms, dst[i] = src[i+off]: one block copy per
				// sample, then zeros where the tap falls outside the image
				// (a top or bottom row, the left or right column).
				off := (kh-1)*w + (kw - 1)
				lo, hi := max(0, -off), min(hw, hw-off)
				for s := s0; s < s1; s++ {
					dst := row[(s-s0)*hw:][:hw]
					src := xc[s*hw : (s+1)*hw]
					copy(dst[lo:hi], src[lo+off:hi+off])
					clear(dst[:lo])
					clear(dst[hi:])
					switch kw {
					case 0:
						for y := 0; y < h; y++ {
							dst[y*w] = 0
						}
					case 2:
						for y := 0; y < h; y++ {
							dst[y*w+w-1] = 0
						}
					}
					if kh == 0 {
						clear(dst[:w])
					} else if kh == 2 {
						clear(dst[hw-w:])
					}
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it sets samples [s0, s1) of dx
// (cin×n×h×w, channel-major) to the sum of the col entries that im2col
// copied from each position. It overwrites the entries of col that im2col
// set to zero (taps outside the image) with zeros, so that each sample and
// tap is one flat block addition.
func col2im[T Float](dx, col []T, cin, n, h, w, s0, s1 int) {
	hw := h * w
	cols := (s1 - s0) * hw
	for ci := 0; ci < cin; ci++ {
		dc := dx[ci*n*hw:]
		clear(dc[s0*hw : s1*hw])
		for kh := 0; kh < 3; kh++ {
			for kw := 0; kw < 3; kw++ {
				row := col[((ci*3+kh)*3+kw)*cols:][:cols]
				off := (kh-1)*w + (kw - 1)
				lo, hi := max(0, -off), min(hw, hw-off)
				for s := s0; s < s1; s++ {
					src := row[(s-s0)*hw:][:hw]
					switch kw {
					case 0:
						for y := 0; y < h; y++ {
							src[y*w] = 0
						}
					case 2:
						for y := 0; y < h; y++ {
							src[y*w+w-1] = 0
						}
					}
					if kh == 0 {
						clear(src[:w])
					} else if kh == 2 {
						clear(src[hw-w:])
					}
					a := src[lo:hi]
					b := dc[s*hw+lo+off : s*hw+hi+off]
					b = b[:len(a)]
					for i, v := range a {
						b[i] += v
					}
				}
			}
		}
	}
}
