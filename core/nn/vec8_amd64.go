//go:build goexperiment.simd && go1.27 && amd64

package nn

import (
	"simd/archsimd"
	"unsafe"
)

// haveVec8 reports whether inputTilesVec8 runs here: it needs AVX2.
func haveVec8() bool { return archsimd.X86.AVX2() }

// inputTilesVec8 is inputTilesVec with AVX2's eight lanes, so that a whole
// tile row of a 14×14 map (seven tiles) is one vector: the input
// transform of a run of tiles of one tile row (winogradPool.
// inputTransform) for every input channel. x holds the split maps (split.go): channel ci's four padded rows
// of the tile row start at x[ci·mapStride+base], 2q apart, each its even
// half E (q values) then its odd half O; tile j of the run (column tx0+j)
// goes to v[ξ·st + ci·vld + k + j]. It may write up to seven values past
// the run (the caller's rows have room, and what lies past the run is
// rewritten or never read) and reads up to eight past it.
//
// The bounds are checked once up front; the loops read and write through
// unsafe pointers. The arithmetic is inputTransform's, in the same order.
func inputTilesVec8(v []float32, k, st, vld int, x []float32, base, mapStride, cin, q, tx0, run int) {
	if run < 1 || cin < 1 {
		return
	}
	last := (run - 1) / 8 * 8 // first tile of the last vector
	_ = x[(cin-1)*mapStride+base+7*q+tx0+last+8]
	_ = v[15*st+(cin-1)*vld+k+last+7]
	const f = 4 // bytes per float32
	row := uintptr(2 * q * f)
	oq := uintptr(q) * f // from E to O
	vs := uintptr(st) * f
	for ci := 0; ci < cin; ci++ {
		px := unsafe.Pointer(&x[ci*mapStride+base])
		pv := unsafe.Pointer(&v[ci*vld+k])
		for c := 0; c < run; c += 8 {
			// Columns c0 = E[j], c1 = O[j], c2 = E[j+1], c3 = O[j+1] of
			// the four rows r0 … r3: p0 … p3 point at c0 of each row.
			p0 := unsafe.Add(px, uintptr(tx0+c)*f)
			p1, p2, p3 := unsafe.Add(p0, row), unsafe.Add(p0, 2*row), unsafe.Add(p0, 3*row)
			o := unsafe.Add(pv, uintptr(c)*f)
			// Row 2 serves the outputs of rows 0, 1 and 2 (e0 = r0 − r2,
			// e1 = r1 + r2, e2 = r2 − r1), row 1 those of 1, 2 and 3
			// (e3 = r1 − r3); each e's columns then give four outputs
			// (· B): c0 − c2, c1 + c2, c2 − c1, c1 − c3.
			a0, a1, a2, a3 := ld8(p2, 0), ld8(p2, oq), ld8(p2, f), ld8(p2, oq+f)
			e0, e1, e2, e3 := ld8(p0, 0).Sub(a0), ld8(p0, oq).Sub(a1), ld8(p0, f).Sub(a2), ld8(p0, oq+f).Sub(a3)
			st8(o, 0, e0.Sub(e2))
			st8(o, vs, e1.Add(e2))
			st8(o, 2*vs, e2.Sub(e1))
			st8(o, 3*vs, e1.Sub(e3))
			b0, b1, b2, b3 := ld8(p1, 0), ld8(p1, oq), ld8(p1, f), ld8(p1, oq+f)
			e0, e1, e2, e3 = b0.Add(a0), b1.Add(a1), b2.Add(a2), b3.Add(a3)
			st8(o, 4*vs, e0.Sub(e2))
			st8(o, 5*vs, e1.Add(e2))
			st8(o, 6*vs, e2.Sub(e1))
			st8(o, 7*vs, e1.Sub(e3))
			e0, e1, e2, e3 = a0.Sub(b0), a1.Sub(b1), a2.Sub(b2), a3.Sub(b3)
			st8(o, 8*vs, e0.Sub(e2))
			st8(o, 9*vs, e1.Add(e2))
			st8(o, 10*vs, e2.Sub(e1))
			st8(o, 11*vs, e1.Sub(e3))
			e0, e1, e2, e3 = b0.Sub(ld8(p3, 0)), b1.Sub(ld8(p3, oq)), b2.Sub(ld8(p3, f)), b3.Sub(ld8(p3, oq+f))
			st8(o, 12*vs, e0.Sub(e2))
			st8(o, 13*vs, e1.Add(e2))
			st8(o, 14*vs, e2.Sub(e1))
			st8(o, 15*vs, e1.Sub(e3))
		}
	}
	archsimd.ClearAVXUpperBits()
}

// ld8 loads eight float32 at p+off.
func ld8(p unsafe.Pointer, off uintptr) archsimd.Float32x8 {
	return archsimd.LoadFloat32x8Array((*[8]float32)(unsafe.Add(p, off)))
}

// st8 stores eight float32 at p+off.
func st8(p unsafe.Pointer, off uintptr, x archsimd.Float32x8) {
	x.StoreArray((*[8]float32)(unsafe.Add(p, off)))
}
