//go:build goexperiment.simd && go1.27 && amd64

package nn

import "simd/archsimd"

// haveFirst16 reports whether firstRow16 runs here: it needs AVX-512.
func haveFirst16() bool { return archsimd.X86.AVX512() }

// firstRow16 is firstPool's inner loop with AVX-512: the 14 pooled
// outputs of one channel and pooled row as one 16-lane vector (two lanes
// spare), the conv's multiply-adds fused. See firstRowVec for the layout.
func firstRow16(dst []float32, ev, od *[4][firstHalf]float32, wk []float32, bc float32) {
	wk = wk[:9]
	dst = dst[:ImageSize/2]
	var m archsimd.Float32x16
	for r := 0; r < 2; r++ {
		var e, o archsimd.Float32x16
		for dy := 0; dy < 3; dy++ {
			E, O := &ev[r+dy], &od[r+dy]
			e0 := archsimd.LoadFloat32x16Array((*[16]float32)(E[0:16]))
			e1 := archsimd.LoadFloat32x16Array((*[16]float32)(E[1:17]))
			o0 := archsimd.LoadFloat32x16Array((*[16]float32)(O[0:16]))
			o1 := archsimd.LoadFloat32x16Array((*[16]float32)(O[1:17]))
			w0 := archsimd.BroadcastFloat32x16(wk[dy*3])
			w1 := archsimd.BroadcastFloat32x16(wk[dy*3+1])
			w2 := archsimd.BroadcastFloat32x16(wk[dy*3+2])
			e = w0.MulAdd(e0, e)
			e = w1.MulAdd(o0, e)
			e = w2.MulAdd(e1, e)
			o = w0.MulAdd(o0, o)
			o = w1.MulAdd(e1, o)
			o = w2.MulAdd(o1, o)
		}
		if r == 0 {
			m = e.Max(o)
		} else {
			m = m.Max(e.Max(o))
		}
	}
	var tmp [16]float32
	m.Add(archsimd.BroadcastFloat32x16(bc)).Max(archsimd.BroadcastFloat32x16(0)).StoreArray(&tmp)
	archsimd.ClearAVXUpperBits()
	copy(dst, tmp[:])
}

// outputTransform16 is outputTransformVec with AVX-512: sixteen tiles a
// vector, the same additions in the same order, the tail in scalar code.
func outputTransform16(dst []float32, r *[16][]float32, bc float32) {
	n := len(dst)
	for i := range r {
		r[i] = r[i][:n]
	}
	b := archsimd.BroadcastFloat32x16(bc)
	zero := archsimd.BroadcastFloat32x16(0)
	ld := func(i, k int) archsimd.Float32x16 {
		return archsimd.LoadFloat32x16Array((*[16]float32)(r[i][k : k+16]))
	}
	k := 0
	for ; k+16 <= n; k += 16 {
		m0, m4, m8, m12 := ld(0, k), ld(4, k), ld(8, k), ld(12, k)
		s00, s10 := m0.Add(m4).Add(m8), m4.Sub(m8).Sub(m12)
		m1, m5, m9, m13 := ld(1, k), ld(5, k), ld(9, k), ld(13, k)
		s01, s11 := m1.Add(m5).Add(m9), m5.Sub(m9).Sub(m13)
		m2, m6, m10, m14 := ld(2, k), ld(6, k), ld(10, k), ld(14, k)
		s02, s12 := m2.Add(m6).Add(m10), m6.Sub(m10).Sub(m14)
		m3, m7, m11, m15 := ld(3, k), ld(7, k), ld(11, k), ld(15, k)
		s03, s13 := m3.Add(m7).Add(m11), m7.Sub(m11).Sub(m15)
		y00 := s00.Add(s01).Add(s02)
		y01 := s01.Sub(s02).Sub(s03)
		y10 := s10.Add(s11).Add(s12)
		y11 := s11.Sub(s12).Sub(s13)
		y00.Max(y01).Max(y10.Max(y11)).Add(b).Max(zero).StoreArray((*[16]float32)(dst[k : k+16]))
	}
	archsimd.ClearAVXUpperBits()
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

// firstRows16 is firstPool's pooled row oy of one sample for all 64
// output channels with AVX-512, written straight into the split layout
// (split.go): the four padded rows' vectors are loaded once for every
// channel, and each channel's 14 outputs are permuted into the even
// columns (O[0:7] of the map row) and the odd ones (E[1:8]) and stored
// with a mask, so no lane touches the padding. Channel co's map row
// starts at out[base+co·mapStride]; q is the half-row length (8). The
// arithmetic is firstRow16's.
func firstRows16(out []float32, base, mapStride, q int, ev, od *[4][firstHalf]float32, w, b []float32) {
	_ = out[base+(Filters-1)*mapStride+q+7]
	_ = w[Filters*9-1]
	_ = b[Filters-1]
	ld := func(a *[firstHalf]float32, j int) archsimd.Float32x16 {
		return archsimd.LoadFloat32x16Array((*[16]float32)(a[j : j+16]))
	}
	var e0, e1, o0, o1 [4]archsimd.Float32x16
	for i := range e0 {
		e0[i], e1[i], o0[i], o1[i] = ld(&ev[i], 0), ld(&ev[i], 1), ld(&od[i], 0), ld(&od[i], 1)
	}
	idx := archsimd.LoadUint32x16Array(&[16]uint32{0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15})
	seven := archsimd.Mask32x8FromBits(0x7f)
	zero := archsimd.BroadcastFloat32x16(0)
	for co := 0; co < Filters; co++ {
		wk := w[co*9 : co*9+9]
		var m archsimd.Float32x16
		for r := 0; r < 2; r++ {
			var e, o archsimd.Float32x16
			for dy := 0; dy < 3; dy++ {
				w0 := archsimd.BroadcastFloat32x16(wk[dy*3])
				w1 := archsimd.BroadcastFloat32x16(wk[dy*3+1])
				w2 := archsimd.BroadcastFloat32x16(wk[dy*3+2])
				e = w0.MulAdd(e0[r+dy], e)
				e = w1.MulAdd(o0[r+dy], e)
				e = w2.MulAdd(e1[r+dy], e)
				o = w0.MulAdd(o0[r+dy], o)
				o = w1.MulAdd(e1[r+dy], o)
				o = w2.MulAdd(o1[r+dy], o)
			}
			if r == 0 {
				m = e.Max(o)
			} else {
				m = m.Max(e.Max(o))
			}
		}
		p := m.Add(archsimd.BroadcastFloat32x16(b[co])).Max(zero).Permute(idx)
		row := base + co*mapStride
		p.GetLo().StoreArrayMasked((*[8]float32)(out[row+q:row+q+8]), seven) // columns 0, 2, … 12 → O[0:7]
		p.GetHi().StoreArrayMasked((*[8]float32)(out[row+1:row+9]), seven)   // columns 1, 3, … 13 → E[1:8]
	}
	archsimd.ClearAVXUpperBits()
}
