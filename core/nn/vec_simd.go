//go:build goexperiment.simd && go1.27 && (amd64 || wasm)

package nn

import "simd/archsimd"

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

// inputRowVec is the input transform of one channel for a run of tiles
// (run ≤ 8) of one tile row: pe, po are the four zero-padded input rows
// split into even and odd padded columns; tile j of the run (tile row
// column tx0+j) goes to out[ξ·st + j]. It first forms e = Bᵀd on the whole
// split rows (four lanes at a time), then the column half for the run in
// vectors of four tiles, and may write up to 8 values from out[ξ·st] on
// (the caller's rows have room, and what lies past the run is rewritten
// or never read).
func inputRowVec(out []float32, st int, pe, po *[4][firstHalf]float32, tx0, run int) {
	_ = out[15*st+7]
	var ev, od [4][firstHalf]float32
	for q := 0; q < 16; q += 4 {
		ld := func(a *[firstHalf]float32) archsimd.Float32x4 {
			return archsimd.LoadFloat32x4Array((*[4]float32)(a[q : q+4]))
		}
		st4 := func(a *[firstHalf]float32, x archsimd.Float32x4) { x.StoreArray((*[4]float32)(a[q : q+4])) }
		e0, e1, e2, e3 := ld(&pe[0]), ld(&pe[1]), ld(&pe[2]), ld(&pe[3])
		st4(&ev[0], e0.Sub(e2))
		st4(&ev[1], e1.Add(e2))
		st4(&ev[2], e2.Sub(e1))
		st4(&ev[3], e1.Sub(e3))
		d0, d1, d2, d3 := ld(&po[0]), ld(&po[1]), ld(&po[2]), ld(&po[3])
		st4(&od[0], d0.Sub(d2))
		st4(&od[1], d1.Add(d2))
		st4(&od[2], d2.Sub(d1))
		st4(&od[3], d1.Sub(d3))
	}
	for h := 0; h < run; h += 4 {
		j := tx0 + h
		for i := 0; i < 4; i++ {
			e0 := archsimd.LoadFloat32x4Array((*[4]float32)(ev[i][j : j+4]))
			e1 := archsimd.LoadFloat32x4Array((*[4]float32)(ev[i][j+1 : j+5]))
			d0 := archsimd.LoadFloat32x4Array((*[4]float32)(od[i][j : j+4]))
			d1 := archsimd.LoadFloat32x4Array((*[4]float32)(od[i][j+1 : j+5]))
			o := 4 * i * st
			e0.Sub(e1).StoreArray((*[4]float32)(out[o+h : o+h+4]))
			d0.Add(e1).StoreArray((*[4]float32)(out[o+st+h : o+st+h+4]))
			e1.Sub(d0).StoreArray((*[4]float32)(out[o+2*st+h : o+2*st+h+4]))
			d0.Sub(d1).StoreArray((*[4]float32)(out[o+3*st+h : o+3*st+h+4]))
		}
	}
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
