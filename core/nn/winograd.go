package nn

// winogradPool is an inference block's 3×3 convolution (stride 1, padding
// 1), folded bias, ReLU and 2×2 max-pool, with the convolution computed by
// Winograd's minimal filtering algorithm F(2×2, 3×3) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016).
//
// F(2×2, 3×3) computes a 2×2 tile of outputs from the 4×4 tile of inputs
// around it as
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// where g is the 3×3 filter, d the 4×4 input tile, ⊙ the elementwise
// product, and A, B, G the small constant matrices below: 16 multiplies
// per tile and channel pair instead of the 36 of the direct form. Summed
// over input channels, the 16 products become 16 independent matrix
// products, one per position ξ of the 4×4 transformed tile:
//
//	M_ξ[Cout × tiles] = U_ξ[Cout × Cin] · V_ξ[Cin × tiles]
//
// with U = G g Gᵀ (the filters, transformed once per call) and V = Bᵀ d B
// (each input tile). Conv4 pools every block's output 2×2, so each output
// tile is exactly one pooling window: the output transform, the maximum,
// the bias and ReLU happen together and the convolution's output is never
// stored. A 7×7 map pools to 3×3 and a 3×3 map to 1×1, so only the tiles
// the pool reads are computed (9 of the 16 that would cover 7×7, 1 of 4
// for 3×3): fewer multiplies still than the 2.25× of the 14×14 layer.
//
// The result equals the direct convolution up to float rounding (tested
// against it, in float64 and float32); training keeps the direct form,
// whose gradients it needs.
type winogradPool[T Float] struct {
	e         engine[T]
	cin, cout int
	// tb is the number of tiles transformed and multiplied at once per
	// worker: a multiple of every gemm kernel's tile width (48, 12, 4),
	// small enough that V and M (16·C·tb values each) stay in L2.
	tb int
	u  []T   // 16 × cout × cin: U_ξ row-major, one after another
	v  [][]T // per worker: 16 × cin × vld, V_ξ vst apart
	m  [][]T // per worker: 16 × cout × tb, M_ξ mst apart
	// vst and mst are the distances between V_ξ and V_ξ+1, M_ξ and M_ξ+1:
	// a cache line more than the matrices, so that the 16 streams of the
	// transforms do not all map to the same cache set (with cin·tb a
	// multiple of 1024 they would be 4 KB-aligned alike).
	vst, mst int
	// vld is the row stride of V_ξ: tb plus room for the 8 lanes the
	// vector input transform may write past the end of a run of tiles
	// (rewritten later, or never read).
	vld int
	// vec selects the Float32x4 output transform (vec_simd.go): T is
	// float32 and the CPU has them; vecIn also the input transform's
	// column kernel, where it measured faster (vecInput).
	vec, vecIn bool

	// Arguments of the call in progress.
	x, out, b []T
	n, h, w   int
	fn        func(worker, lo, hi int)
}

// winogradTiles is winogradPool's tb.
const winogradTiles = 96

func newWinogradPool[T Float](e engine[T], cin, cout int) *winogradPool[T] {
	l := &winogradPool[T]{e: e, cin: cin, cout: cout, tb: winogradTiles, u: make([]T, 16*cout*cin)}
	l.fn = l.blocks
	_, f32 := any(T(0)).(float32)
	l.vec = f32 && haveVec4()
	l.vecIn = l.vec && vecInput()
	return l
}

// setFilters transforms the folded filters w (cout×cin×3×3): U = G g Gᵀ
// with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
func (l *winogradPool[T]) setFilters(w []T) {
	cc := l.cout * l.cin
	for o := 0; o < cc; o++ {
		g := w[o*9:][:9]
		// t = G g (4×3), then u = t Gᵀ (4×4).
		var t [4][3]T
		for j := 0; j < 3; j++ {
			g0, g1, g2 := g[j], g[3+j], g[6+j]
			t[0][j] = g0
			t[1][j] = (g0 + g1 + g2) / 2
			t[2][j] = (g0 - g1 + g2) / 2
			t[3][j] = g2
		}
		for i := 0; i < 4; i++ {
			r0, r1, r2 := t[i][0], t[i][1], t[i][2]
			l.u[(i*4+0)*cc+o] = r0
			l.u[(i*4+1)*cc+o] = (r0 + r1 + r2) / 2
			l.u[(i*4+2)*cc+o] = (r0 - r1 + r2) / 2
			l.u[(i*4+3)*cc+o] = r2
		}
	}
}

// forward reads x (cin×n×h×w, channel-major) and writes out (cout×n×
// (h/2)×(w/2)): ReLU(maxpool(conv(x, w)) + b), for the filters w given to
// setFilters.
func (l *winogradPool[T]) forward(out, x, b []T, n, h, w int) {
	threads := l.e.par.Threads()
	l.vld = l.tb + 8
	l.vst, l.mst = l.cin*l.vld+16, l.cout*l.tb+16
	for len(l.v) < threads {
		l.v = append(l.v, nil)
		l.m = append(l.m, nil)
	}
	for i := range l.v {
		l.v[i] = grow(l.v[i], 16*l.vst)
		l.m[i] = grow(l.m[i], 16*l.mst)
	}
	l.x, l.out, l.b, l.n, l.h, l.w = x, out, b, n, h, w
	tiles := n * (h / 2) * (w / 2)
	l.e.par.For((tiles+l.tb-1)/l.tb, l.fn)
	l.x, l.out, l.b = nil, nil, nil
}

// blocks handles tile blocks [lo, hi).
func (l *winogradPool[T]) blocks(worker, lo, hi int) {
	tiles := l.n * (l.h / 2) * (l.w / 2)
	v, m := l.v[worker], l.m[worker]
	cc := l.cout * l.cin
	for blk := lo; blk < hi; blk++ {
		t0 := blk * l.tb
		nt := min(l.tb, tiles-t0)
		l.inputTransform(v, t0, nt)
		for xi := 0; xi < 16; xi++ {
			l.e.gemm(worker, false, false, l.cout, nt, l.cin, 1, l.u[xi*cc:], l.cin, v[xi*l.vst:], l.vld, 0, m[xi*l.mst:], l.tb)
		}
		l.outputTransform(m, t0, nt)
	}
}

// inputTransform writes V = Bᵀ d B for tiles [t0, t0+nt) and every input
// channel into v (position ξ, channel ci, tile t at v[ξ·vst+ci·vld+t−t0]),
// with Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]. Tile t of sample s
// at (ty, tx) reads input rows 2ty−1 … 2ty+2 and columns 2tx−1 … 2tx+2,
// zero outside the image.
//
// The tiles of one tile row share their four input rows, so the row half
// of the transform (e = Bᵀ d) is done once per tile row, on whole
// zero-padded rows split into even and odd columns; the column half of
// tile tx then reads columns tx and tx+1 of each, and runs over the tiles
// of the row as contiguous vectors (inputColumnsVec where SIMD is on).
func (l *winogradPool[T]) inputTransform(v []T, t0, nt int) {
	h, w := l.h, l.w
	ho, wo := h/2, w/2
	hw, howo := h*w, ho*wo
	cin := l.cin
	st := l.vst
	if w > ImageSize {
		panic("nn: Winograd map wider than an image")
	}
	const half = ImageSize/2 + 2
	var evb, odb [4][half]T
	var pe, po [4][firstHalf]T // split padded input rows (vector path)
	for k := 0; k < nt; {
		t := t0 + k
		s, r := t/howo, t%howo
		ty, tx0 := r/wo, r%wo
		run := min(wo-tx0, nt-k) // tiles of this tile row in the block
		y0 := 2*ty - 1
		// Padded columns 2·tx0 … 2·(tx0+run)+1: pairs tx0 … tx0+run.
		p0, p1 := tx0, tx0+run+1
		for ci := 0; ci < cin; ci++ {
			plane := l.x[(ci*l.n+s)*hw:][:hw]
			var rows [4][]T
			for i := range rows {
				if y := y0 + i; y >= 0 && y < h {
					rows[i] = plane[y*w:][:w]
				}
			}
			out := v[ci*l.vld+k:]
			if l.vecIn {
				// Split each padded row into even and odd columns (image
				// column c is padded column c+1), then transform in SIMD.
				// Only the positions a row writes are ever non-zero (the
				// same for every row of the map), so the padding stays
				// zero from the declaration and only a missing row (above
				// or below the map) is cleared.
				for i, row := range rows {
					if row == nil {
						clear(pe[i][:w/2+2])
						clear(po[i][:w/2+2])
						continue
					}
					c := 0
					for ; c+1 < w; c += 2 {
						po[i][c/2] = row[c]
						pe[i][c/2+1] = row[c+1]
					}
					if c < w {
						po[i][c/2] = row[c]
					}
				}
				inputRowVec(any(out).([]float32), st, any(&pe).(*[4][firstHalf]float32), any(&po).(*[4][firstHalf]float32), tx0, run)
				continue
			}
			for p := p0; p < p1; p++ {
				for par := 0; par < 2; par++ {
					c := 2*p + par - 1 // image column of padded column 2p+par
					var d0, d1, d2, d3 T
					if c >= 0 && c < w {
						if rows[0] != nil {
							d0 = rows[0][c]
						}
						if rows[1] != nil {
							d1 = rows[1][c]
						}
						if rows[2] != nil {
							d2 = rows[2][c]
						}
						if rows[3] != nil {
							d3 = rows[3][c]
						}
					}
					if par == 0 {
						evb[0][p], evb[1][p], evb[2][p], evb[3][p] = d0-d2, d1+d2, d2-d1, d1-d3
					} else {
						odb[0][p], odb[1][p], odb[2][p], odb[3][p] = d0-d2, d1+d2, d2-d1, d1-d3
					}
				}
			}
			for i := 0; i < 4; i++ {
				o0, o1 := out[4*i*st:][:run], out[(4*i+1)*st:][:run]
				o2, o3 := out[(4*i+2)*st:][:run], out[(4*i+3)*st:][:run]
				ev, od := evb[i][:], odb[i][:]
				for j := range o0 {
					e0, e1, d0, d1 := ev[tx0+j], ev[tx0+j+1], od[tx0+j], od[tx0+j+1]
					o0[j], o1[j], o2[j], o3[j] = e0-e1, d0+e1, e1-d0, d0-d1
				}
			}
		}
		k += run
	}
}

// outputTransform turns M (position ξ, channel co, tile t at
// m[ξ·mst+co·tb+t−t0]) into the pooled outputs of tiles [t0, t0+nt):
// Y = Aᵀ M A with Aᵀ = [1 1 1 0; 0 1 −1 −1], then the maximum of the 2×2
// tile, plus the bias, ReLU. Tile t of every channel is output t of that
// channel's block of out.
func (l *winogradPool[T]) outputTransform(m []T, t0, nt int) {
	tb := l.tb
	st := l.mst
	per := l.n * (l.h / 2) * (l.w / 2)
	if l.vec {
		m32, out, b := any(m).([]float32), any(l.out).([]float32), any(l.b).([]float32)
		var r [16][]float32
		for co := 0; co < l.cout; co++ {
			for xi := range r {
				r[xi] = m32[xi*st+co*tb:][:nt]
			}
			outputTransformVec(out[co*per+t0:][:nt], &r, b[co])
		}
		return
	}
	for co := 0; co < l.cout; co++ {
		bc := l.b[co]
		dst := l.out[co*per+t0:][:nt]
		mc := m[co*tb:]
		r0, r1, r2, r3 := mc[:nt], mc[st:][:nt], mc[2*st:][:nt], mc[3*st:][:nt]
		r4, r5, r6, r7 := mc[4*st:][:nt], mc[5*st:][:nt], mc[6*st:][:nt], mc[7*st:][:nt]
		r8, r9, r10, r11 := mc[8*st:][:nt], mc[9*st:][:nt], mc[10*st:][:nt], mc[11*st:][:nt]
		r12, r13, r14, r15 := mc[12*st:][:nt], mc[13*st:][:nt], mc[14*st:][:nt], mc[15*st:][:nt]
		for k := range dst {
			// Rows: s = Aᵀ M (2×4).
			s00 := r0[k] + r4[k] + r8[k]
			s01 := r1[k] + r5[k] + r9[k]
			s02 := r2[k] + r6[k] + r10[k]
			s03 := r3[k] + r7[k] + r11[k]
			s10 := r4[k] - r8[k] - r12[k]
			s11 := r5[k] - r9[k] - r13[k]
			s12 := r6[k] - r10[k] - r14[k]
			s13 := r7[k] - r11[k] - r15[k]
			// Columns: Y = s A (2×2), then pool, bias, ReLU.
			y00 := s00 + s01 + s02
			y01 := s01 - s02 - s03
			y10 := s10 + s11 + s12
			y11 := s11 - s12 - s13
			dst[k] = max(max(max(y00, y01), max(y10, y11))+bc, 0)
		}
	}
}
