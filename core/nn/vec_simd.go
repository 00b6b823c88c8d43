//go:build goexperiment.simd && go1.27 && (amd64 || wasm)

package nn

import (
	"simd/archsimd"
	"unsafe"
)

// The 4-lane float32 twins of the Winograd transforms (winograd.go), in
// simd/archsimd's Float32x4, which both amd64 (AVX) and wasm (SIMD128)
// have. vec_plain.go has the stubs for other builds; haveVec4 (per
// architecture) says whether the CPU runs them. Tested against the plain
// code by TestWinogradVecMatchesPlain.

// outputTransformVec is the float32 body of outputTransform for one
// output channel: r holds the 16 rows M_ξ[co, t0:t0+len(dst)].
func outputTransformVec(dst []float32, r *[16][]float32, bc float32) {
	b := archsimd.BroadcastFloat32x4(bc)
	zero := archsimd.BroadcastFloat32x4(0)
	n := len(dst)
	k := 0
	for ; k+4 <= n; k += 4 {
		m0, m1, m2, m3 := archsimd.LoadFloat32x4(r[0][k:]), archsimd.LoadFloat32x4(r[1][k:]), archsimd.LoadFloat32x4(r[2][k:]), archsimd.LoadFloat32x4(r[3][k:])
		m4, m5, m6, m7 := archsimd.LoadFloat32x4(r[4][k:]), archsimd.LoadFloat32x4(r[5][k:]), archsimd.LoadFloat32x4(r[6][k:]), archsimd.LoadFloat32x4(r[7][k:])
		m8, m9, m10, m11 := archsimd.LoadFloat32x4(r[8][k:]), archsimd.LoadFloat32x4(r[9][k:]), archsimd.LoadFloat32x4(r[10][k:]), archsimd.LoadFloat32x4(r[11][k:])
		m12, m13, m14, m15 := archsimd.LoadFloat32x4(r[12][k:]), archsimd.LoadFloat32x4(r[13][k:]), archsimd.LoadFloat32x4(r[14][k:]), archsimd.LoadFloat32x4(r[15][k:])
		s00 := m0.Add(m4).Add(m8)
		s01 := m1.Add(m5).Add(m9)
		s02 := m2.Add(m6).Add(m10)
		s03 := m3.Add(m7).Add(m11)
		s10 := m4.Sub(m8).Sub(m12)
		s11 := m5.Sub(m9).Sub(m13)
		s12 := m6.Sub(m10).Sub(m14)
		s13 := m7.Sub(m11).Sub(m15)
		y00 := s00.Add(s01).Add(s02)
		y01 := s01.Sub(s02).Sub(s03)
		y10 := s10.Add(s11).Add(s12)
		y11 := s11.Sub(s12).Sub(s13)
		y00.Max(y01).Max(y10.Max(y11)).Add(b).Max(zero).Store(dst[k:])
	}
	for ; k < n; k++ {
		s00 := r[0][k] + r[4][k] + r[8][k]
		s01 := r[1][k] + r[5][k] + r[9][k]
		s02 := r[2][k] + r[6][k] + r[10][k]
		s03 := r[3][k] + r[7][k] + r[11][k]
		s10 := r[4][k] - r[8][k] - r[12][k]
		s11 := r[5][k] - r[9][k] - r[13][k]
		s12 := r[6][k] - r[10][k] - r[14][k]
		s13 := r[7][k] - r[11][k] - r[15][k]
		y00 := s00 + s01 + s02
		y01 := s01 - s02 - s03
		y10 := s10 + s11 + s12
		y11 := s11 - s12 - s13
		dst[k] = max(max(max(y00, y01), max(y10, y11))+bc, 0)
	}
}

// inputTilesVec is the input transform of a run of tiles of one tile row
// (winogradPool.inputTransform) for every input channel, four tiles a
// vector. x holds the split maps (split.go): channel ci's four padded rows
// of the tile row start at x[ci·mapStride+base], 2q apart, each its even
// half E (q values) then its odd half O; tile j of the run (column tx0+j)
// goes to v[ξ·st + ci·vld + k + j]. It may write up to three values past
// the run (the caller's rows have room, and what lies past the run is
// rewritten or never read) and reads up to four past it.
//
// The bounds are checked once up front; the loops read and write through
// unsafe pointers (under wasm every bounds check is a compare and a
// branch). The arithmetic is inputTransform's, in the same order.
func inputTilesVec(v []float32, k, st, vld int, x []float32, base, mapStride, cin, q, tx0, run int) {
	if run < 1 || cin < 1 {
		return
	}
	last := (run - 1) / 4 * 4 // first tile of the last vector
	_ = x[(cin-1)*mapStride+base+7*q+tx0+last+4]
	_ = v[15*st+(cin-1)*vld+k+last+3]
	const f = 4 // bytes per float32
	row := uintptr(2 * q * f)
	oq := uintptr(q) * f // from E to O
	vs := uintptr(st) * f
	for ci := 0; ci < cin; ci++ {
		px := unsafe.Pointer(&x[ci*mapStride+base])
		pv := unsafe.Pointer(&v[ci*vld+k])
		for c := 0; c < run; c += 4 {
			// Columns c0 = E[j], c1 = O[j], c2 = E[j+1], c3 = O[j+1] of
			// the four rows r0 … r3: p0 … p3 point at c0 of each row.
			p0 := unsafe.Add(px, uintptr(tx0+c)*f)
			p1, p2, p3 := unsafe.Add(p0, row), unsafe.Add(p0, 2*row), unsafe.Add(p0, 3*row)
			o := unsafe.Add(pv, uintptr(c)*f)
			// Row 2 serves the outputs of rows 0, 1 and 2 (e0 = r0 − r2,
			// e1 = r1 + r2, e2 = r2 − r1), row 1 those of 1, 2 and 3
			// (e3 = r1 − r3); each e's columns then give four outputs
			// (· B): c0 − c2, c1 + c2, c2 − c1, c1 − c3.
			a0, a1, a2, a3 := ld4(p2, 0), ld4(p2, oq), ld4(p2, f), ld4(p2, oq+f)
			e0, e1, e2, e3 := ld4(p0, 0).Sub(a0), ld4(p0, oq).Sub(a1), ld4(p0, f).Sub(a2), ld4(p0, oq+f).Sub(a3)
			st4(o, 0, e0.Sub(e2))
			st4(o, vs, e1.Add(e2))
			st4(o, 2*vs, e2.Sub(e1))
			st4(o, 3*vs, e1.Sub(e3))
			b0, b1, b2, b3 := ld4(p1, 0), ld4(p1, oq), ld4(p1, f), ld4(p1, oq+f)
			e0, e1, e2, e3 = b0.Add(a0), b1.Add(a1), b2.Add(a2), b3.Add(a3)
			st4(o, 4*vs, e0.Sub(e2))
			st4(o, 5*vs, e1.Add(e2))
			st4(o, 6*vs, e2.Sub(e1))
			st4(o, 7*vs, e1.Sub(e3))
			e0, e1, e2, e3 = a0.Sub(b0), a1.Sub(b1), a2.Sub(b2), a3.Sub(b3)
			st4(o, 8*vs, e0.Sub(e2))
			st4(o, 9*vs, e1.Add(e2))
			st4(o, 10*vs, e2.Sub(e1))
			st4(o, 11*vs, e1.Sub(e3))
			e0, e1, e2, e3 = b0.Sub(ld4(p3, 0)), b1.Sub(ld4(p3, oq)), b2.Sub(ld4(p3, f)), b3.Sub(ld4(p3, oq+f))
			st4(o, 12*vs, e0.Sub(e2))
			st4(o, 13*vs, e1.Add(e2))
			st4(o, 14*vs, e2.Sub(e1))
			st4(o, 15*vs, e1.Sub(e3))
		}
	}
}

// ld4 loads four float32 at p+off.
func ld4(p unsafe.Pointer, off uintptr) archsimd.Float32x4 {
	return archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(p, off)))
}

// st4 stores four float32 at p+off.
func st4(p unsafe.Pointer, off uintptr, x archsimd.Float32x4) {
	x.StoreArray((*[4]float32)(unsafe.Add(p, off)))
}

// firstRowVec is firstPool's inner loop for one output channel and one
// pooled row: dst (14 values) from the split padded rows ev, od (4 each)
// and the channel's 3×3 weights wk, four pooled outputs at a time.
func firstRowVec(dst []float32, ev, od [][firstHalf]float32, wk []float32, bc float32) {
	var w [9]archsimd.Float32x4
	for i := range w {
		w[i] = archsimd.BroadcastFloat32x4(wk[i])
	}
	b := archsimd.BroadcastFloat32x4(bc)
	zero := archsimd.BroadcastFloat32x4(0)
	var tmp [16]float32
	for j := 0; j < 16; j += 4 {
		var m archsimd.Float32x4
		for r := 0; r < 2; r++ {
			var e, o archsimd.Float32x4
			for dy := 0; dy < 3; dy++ {
				E, O := ev[r+dy][j:], od[r+dy][j:]
				e0, e1 := archsimd.LoadFloat32x4(E), archsimd.LoadFloat32x4(E[1:])
				o0, o1 := archsimd.LoadFloat32x4(O), archsimd.LoadFloat32x4(O[1:])
				w0, w1, w2 := w[dy*3], w[dy*3+1], w[dy*3+2]
				e = e.Add(w0.Mul(e0)).Add(w1.Mul(o0)).Add(w2.Mul(e1))
				o = o.Add(w0.Mul(o0)).Add(w1.Mul(e1)).Add(w2.Mul(o1))
			}
			if r == 0 {
				m = e.Max(o)
			} else {
				m = m.Max(e.Max(o))
			}
		}
		m.Add(b).Max(zero).Store(tmp[j:])
	}
	copy(dst, tmp[:len(dst)])
}

// firstWinoVec is firstWino's tile row in Float32x4 (the arithmetic of
// inputPlain and winoOut in the same order): V of the four runs from the
// phases ph into v, then for each output channel co the four runs' pooled
// outputs, stored as whole vectors into the split map row at
// out[co·mapStride+rowOff] (E, then O q values on): the even run at O[0:4]
// and O[3:7], the odd run at E[1:5] and E[4:8].
func firstWinoVec(out []float32, ph *[4][4][firstPhase]float32, v *[4][16][4]float32, u, b []float32, mapStride, rowOff, q int) {
	_ = out[(Filters-1)*mapStride+rowOff+q+6]
	_ = u[Filters*16-1]
	_ = b[Filters-1]
	ldp := func(i, r, j int) archsimd.Float32x4 {
		return archsimd.LoadFloat32x4Array((*[4]float32)(ph[i][r][j : j+4]))
	}
	for k, run := range firstRuns {
		cr, cj := [4]int{0, 1, 2, 3}, [4]int{0, 0, 0, 0}
		if run.odd == 1 {
			cr, cj = [4]int{2, 3, 0, 1}, [4]int{0, 0, 1, 1}
		}
		j := run.j0
		a0, a1, a2, a3 := ldp(2, cr[0], j+cj[0]), ldp(2, cr[1], j+cj[1]), ldp(2, cr[2], j+cj[2]), ldp(2, cr[3], j+cj[3])
		b0, b1, b2, b3 := ldp(1, cr[0], j+cj[0]), ldp(1, cr[1], j+cj[1]), ldp(1, cr[2], j+cj[2]), ldp(1, cr[3], j+cj[3])
		vk := &v[k]
		st := func(xi int, y archsimd.Float32x4) { y.StoreArray(&vk[xi]) }
		e0, e1, e2, e3 := ldp(0, cr[0], j+cj[0]).Sub(a0), ldp(0, cr[1], j+cj[1]).Sub(a1), ldp(0, cr[2], j+cj[2]).Sub(a2), ldp(0, cr[3], j+cj[3]).Sub(a3)
		st(0, e0.Sub(e2))
		st(1, e1.Add(e2))
		st(2, e2.Sub(e1))
		st(3, e1.Sub(e3))
		e0, e1, e2, e3 = b0.Add(a0), b1.Add(a1), b2.Add(a2), b3.Add(a3)
		st(4, e0.Sub(e2))
		st(5, e1.Add(e2))
		st(6, e2.Sub(e1))
		st(7, e1.Sub(e3))
		e0, e1, e2, e3 = a0.Sub(b0), a1.Sub(b1), a2.Sub(b2), a3.Sub(b3)
		st(8, e0.Sub(e2))
		st(9, e1.Add(e2))
		st(10, e2.Sub(e1))
		st(11, e1.Sub(e3))
		e0, e1, e2, e3 = b0.Sub(ldp(3, cr[0], j+cj[0])), b1.Sub(ldp(3, cr[1], j+cj[1])), b2.Sub(ldp(3, cr[2], j+cj[2])), b3.Sub(ldp(3, cr[3], j+cj[3]))
		st(12, e0.Sub(e2))
		st(13, e1.Add(e2))
		st(14, e2.Sub(e1))
		st(15, e1.Sub(e3))
	}
	zero := archsimd.BroadcastFloat32x4(0)
	const f = 4
	for co := 0; co < Filters; co++ {
		uc := (*[16]float32)(u[co*16 : co*16+16])
		bc := archsimd.BroadcastFloat32x4(b[co])
		row := unsafe.Pointer(&out[co*mapStride+rowOff])
		dst := [4]unsafe.Pointer{unsafe.Add(row, uintptr(q)*f), unsafe.Add(row, uintptr(q+3)*f), unsafe.Add(row, f), unsafe.Add(row, 4*f)}
		for k := range v {
			vk := &v[k]
			m := func(xi int) archsimd.Float32x4 {
				return archsimd.LoadFloat32x4Array(&vk[xi]).Mul(archsimd.BroadcastFloat32x4(uc[xi]))
			}
			// Aᵀ M column by column: s0c = M0c + M1c + M2c, s1c = M1c − M2c − M3c.
			m0, m4, m8, m12 := m(0), m(4), m(8), m(12)
			s00, s10 := m0.Add(m4).Add(m8), m4.Sub(m8).Sub(m12)
			m1, m5, m9, m13 := m(1), m(5), m(9), m(13)
			s01, s11 := m1.Add(m5).Add(m9), m5.Sub(m9).Sub(m13)
			m2, m6, m10, m14 := m(2), m(6), m(10), m(14)
			s02, s12 := m2.Add(m6).Add(m10), m6.Sub(m10).Sub(m14)
			m3, m7, m11, m15 := m(3), m(7), m(11), m(15)
			s03, s13 := m3.Add(m7).Add(m11), m7.Sub(m11).Sub(m15)
			y00 := s00.Add(s01).Add(s02)
			y01 := s01.Sub(s02).Sub(s03)
			y10 := s10.Add(s11).Add(s12)
			y11 := s11.Sub(s12).Sub(s13)
			y00.Max(y01).Max(y10.Max(y11)).Add(bc).Max(zero).StoreArray((*[4]float32)(dst[k]))
		}
	}
}
