//go:build goexperiment.simd && go1.27 && amd64

package mann

import "simd/archsimd"

// hasAVX512 chooses the 16-lane kernels for float32 dot and axpy.
var hasAVX512 = archsimd.X86.AVX512()

// dot32 returns Σ a[i]·b[i] (len(b) ≥ len(a)) with AVX-512 when the CPU
// has it: 16 products at a time, then the scalar tail.
func dot32(a, b []float32) float32 {
	if !hasAVX512 {
		return dotPlain(a, b)
	}
	n := len(a)
	b = b[:n]
	var acc archsimd.Float32x16
	p := 0
	for ; p+16 <= n; p += 16 {
		x := archsimd.LoadFloat32x16Array((*[16]float32)(a[p : p+16]))
		y := archsimd.LoadFloat32x16Array((*[16]float32)(b[p : p+16]))
		acc = x.MulAdd(y, acc)
	}
	var t [16]float32
	acc.StoreArray(&t)
	archsimd.ClearAVXUpperBits()
	var s float32
	for _, v := range t {
		s += v
	}
	for ; p < n; p++ {
		s += a[p] * b[p]
	}
	return s
}

// axpy32 sets y += alpha·x (len(y) ≥ len(x)) with AVX-512 when the CPU has
// it.
func axpy32(y []float32, alpha float32, x []float32) {
	if !hasAVX512 {
		axpyPlain(y, alpha, x)
		return
	}
	n := len(x)
	y = y[:n]
	al := archsimd.BroadcastFloat32x16(alpha)
	p := 0
	for ; p+16 <= n; p += 16 {
		xv := archsimd.LoadFloat32x16Array((*[16]float32)(x[p : p+16]))
		yv := archsimd.LoadFloat32x16Array((*[16]float32)(y[p : p+16]))
		xv.MulAdd(al, yv).StoreArray((*[16]float32)(y[p : p+16]))
	}
	archsimd.ClearAVXUpperBits()
	for ; p < n; p++ {
		y[p] += alpha * x[p]
	}
}
