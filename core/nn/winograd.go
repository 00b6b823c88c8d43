package nn

import "metaglot/core/gemm"

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
	u  []T // 16 × cout × cin: U_ξ row-major, one after another
	// pk, if set (float32 only), multiplies by U_ξ packed once per
	// setFilters (pu) instead of packing it again for every tile block.
	pk packer
	pu [16]gemm.PackedA
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
	// vec8 selects the eight-lane input transform (inputTilesVec8, amd64
	// with AVX2) over the four-lane one.
	vec8 bool
	// v16 selects the sixteen-lane output transform (outputTransform16,
	// AVX-512).
	v16 bool

	// Per worker: the pooled outputs of one channel for a tile block,
	// and where each tile's output goes in the next block's split maps.
	tmp [][]T
	idx [][]int32

	// Arguments of the call in progress: the input's split shape, and
	// the output's (size 0: channel-major output).
	x, out, b []T
	n, h, w   int
	isp, osp  splitShape
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
	l.vec8 = l.vecIn && haveVec8()
	l.v16 = l.vec && haveFirst16()
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
	if l.pk != nil {
		u := any(l.u).([]float32)
		for xi := range l.pu {
			l.pk.pack(&l.pu[xi], l.cout, l.cin, u[xi*cc:], l.cin)
		}
	}
}

// forward reads x (cin×n maps of h×w in the split layout, split.go) and
// writes ReLU(maxpool(conv(x, w)) + b), for the filters w given to
// setFilters, into out: channel-major (cout×n×(h/2)×(w/2)), or with
// outSplit in the split layout of (h/2)×(w/2) maps, whose padding the
// caller has cleared (the input of the next block).
func (l *winogradPool[T]) forward(out, x, b []T, n, h, w int, outSplit bool) {
	if w > ImageSize {
		panic("nn: Winograd map wider than an image")
	}
	threads := l.e.par.Threads()
	l.vld = l.tb + 8
	l.vst, l.mst = l.cin*l.vld+16, l.cout*l.tb+16
	for len(l.v) < threads {
		l.v = append(l.v, nil)
		l.m = append(l.m, nil)
		l.tmp = append(l.tmp, nil)
		l.idx = append(l.idx, nil)
	}
	for i := range l.v {
		l.v[i] = grow(l.v[i], 16*l.vst)
		l.m[i] = grow(l.m[i], 16*l.mst)
		l.tmp[i] = grow(l.tmp[i], l.tb)
		l.idx[i] = grow(l.idx[i], l.tb)
	}
	l.isp = newSplitShape(h, w)
	if need := l.isp.len(l.cin * n); len(x) < need {
		panic("nn: Winograd input shorter than its split maps")
	}
	l.osp = splitShape{}
	if outSplit {
		l.osp = newSplitShape(h/2, w/2)
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
			if l.pk != nil {
				l.pk.mul(worker, &l.pu[xi], nt, any(v[xi*l.vst:]).([]float32), l.vld, any(m[xi*l.mst:]).([]float32), l.tb)
				continue
			}
			l.e.gemm(worker, false, false, l.cout, nt, l.cin, 1, l.u[xi*cc:], l.cin, v[xi*l.vst:], l.vld, 0, m[xi*l.mst:], l.tb)
		}
		l.outputTransform(worker, m, t0, nt)
	}
}

// inputTransform writes V = Bᵀ d B for tiles [t0, t0+nt) and every input
// channel into v (position ξ, channel ci, tile t at v[ξ·vst+ci·vld+t−t0]),
// with Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]. Tile t of sample s
// at (ty, tx) reads padded rows 2ty … 2ty+3 and padded columns 2tx …
// 2tx+3: in the split layout E[tx], O[tx], E[tx+1], O[tx+1] of each row.
//
// The tiles of one tile row form a run; for each run and channel the row
// half of the transform (Bᵀ d) is done on those four columns of the four
// rows, then the column half, the tiles of the run side by side
// (inputTilesVec, four tiles a vector, where SIMD is on).
func (l *winogradPool[T]) inputTransform(v []T, t0, nt int) {
	sp := l.isp
	ho, wo := l.h/2, l.w/2
	howo := ho * wo
	st := l.vst
	q2 := 2 * sp.q
	for k := 0; k < nt; {
		t := t0 + k
		s, r := t/howo, t%howo
		ty, tx0 := r/wo, r%wo
		run := min(wo-tx0, nt-k) // tiles of this tile row in the block
		base := s*l.cin*sp.size + 2*ty*q2
		if l.vec8 {
			inputTilesVec8(any(v).([]float32), k, st, l.vld, any(l.x).([]float32), base, sp.size, l.cin, sp.q, tx0, run)
			k += run
			continue
		}
		if l.vecIn {
			inputTilesVec(any(v).([]float32), k, st, l.vld, any(l.x).([]float32), base, sp.size, l.cin, sp.q, tx0, run)
			k += run
			continue
		}
		for ci := 0; ci < l.cin; ci++ {
			m := l.x[ci*sp.size+base:][:4*q2]
			r0, r1, r2, r3 := m[:q2], m[q2:2*q2], m[2*q2:3*q2], m[3*q2:]
			out := v[ci*l.vld+k:]
			for j := 0; j < run; j++ {
				tx := tx0 + j
				// The four columns of the tile: c0 = E[tx], c1 = O[tx],
				// c2 = E[tx+1], c3 = O[tx+1]; rows first (Bᵀ d) ...
				var e [4][4]T
				for c, off := range [4]int{tx, sp.q + tx, tx + 1, sp.q + tx + 1} {
					d0, d1, d2, d3 := r0[off], r1[off], r2[off], r3[off]
					e[0][c], e[1][c], e[2][c], e[3][c] = d0-d2, d1+d2, d2-d1, d1-d3
				}
				// ... then columns (· B).
				for i := 0; i < 4; i++ {
					c0, c1, c2, c3 := e[i][0], e[i][1], e[i][2], e[i][3]
					out[4*i*st+j] = c0 - c2
					out[(4*i+1)*st+j] = c1 + c2
					out[(4*i+2)*st+j] = c2 - c1
					out[(4*i+3)*st+j] = c1 - c3
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
// channel's block of out, or, for a split output, the position of the
// tile's pooled pixel in its map.
func (l *winogradPool[T]) outputTransform(worker int, m []T, t0, nt int) {
	tb := l.tb
	st := l.mst
	per := l.n * (l.h / 2) * (l.w / 2)
	split := l.osp.size > 0
	var idx []int32
	if split {
		idx = l.splitIndex(worker, t0, nt)
	}
	for co := 0; co < l.cout; co++ {
		dst := l.out[co*per+t0:]
		if split {
			dst = l.tmp[worker]
		}
		dst = dst[:nt]
		if l.vec {
			m32 := any(m).([]float32)
			var r [16][]float32
			for xi := range r {
				r[xi] = m32[xi*st+co*tb:][:nt]
			}
			if l.v16 {
				outputTransform16(any(dst).([]float32), &r, any(l.b[co]).(float32))
			} else {
				outputTransformVec(any(dst).([]float32), &r, any(l.b[co]).(float32))
			}
		} else {
			bc := l.b[co]
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
		if split {
			out := l.out[co*l.osp.size:]
			for k, i := range idx {
				out[i] = dst[k]
			}
		}
	}
}

// splitIndex returns, for tiles [t0, t0+nt), the offset of each tile's
// pooled output in the split maps of one output channel.
func (l *winogradPool[T]) splitIndex(worker, t0, nt int) []int32 {
	idx := l.idx[worker][:nt]
	ho, wo := l.h/2, l.w/2
	howo := ho * wo
	s, r := t0/howo, t0%howo
	oy, ox := r/wo, r%wo
	for k := range idx {
		idx[k] = int32(s*l.cout*l.osp.size + l.osp.off(oy, ox))
		if ox++; ox == wo {
			ox = 0
			if oy++; oy == ho {
				oy = 0
				s++
			}
		}
	}
	return idx
}
