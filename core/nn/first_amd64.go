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
