//go:build goexperiment.simd && wasm

package gemm

import "simd/archsimd"

// archKernels returns the WebAssembly 128-bit SIMD kernel. Every wasm
// engine that runs Go's output supports the fixed-width SIMD proposal, so
// there is nothing to detect. Wasm SIMD has no fused multiply-add:
// MulAdd is a multiply then an add.
func archKernels() []kernel {
	return []kernel{{name: "simd128", mr: 4, nr: 8, mc: 128, kc: 256, nc: 1024, micro: microSIMD128x4x8}}
}

// microSIMD128x4x8 is the wasm micro-kernel: a 4×8 tile held in eight
// 4-lane vectors.
func microSIMD128x4x8(kc int, a, b []float32, ldb int, c []float32, ldc int, s *scale) {
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x4
	a = a[:4*kc]
	for p := 0; p < kc; p++ {
		a := a[4*p : 4*p+4]
		b := b[p*ldb : p*ldb+8]
		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(b[0:4]))
		b1 := archsimd.LoadFloat32x4Array((*[4]float32)(b[4:8]))
		x := archsimd.BroadcastFloat32x4(a[0])
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		x = archsimd.BroadcastFloat32x4(a[1])
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		x = archsimd.BroadcastFloat32x4(a[2])
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		x = archsimd.BroadcastFloat32x4(a[3])
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
	}
	al := archsimd.BroadcastFloat32x4(s.alpha)
	if s.betaZero {
		storeX(c[0:8], c00.Mul(al), c01.Mul(al))
		storeX(c[ldc:ldc+8], c10.Mul(al), c11.Mul(al))
		storeX(c[2*ldc:2*ldc+8], c20.Mul(al), c21.Mul(al))
		storeX(c[3*ldc:3*ldc+8], c30.Mul(al), c31.Mul(al))
		return
	}
	bt := archsimd.BroadcastFloat32x4(s.beta)
	updateX(c[0:8], c00, c01, al, bt)
	updateX(c[ldc:ldc+8], c10, c11, al, bt)
	updateX(c[2*ldc:2*ldc+8], c20, c21, al, bt)
	updateX(c[3*ldc:3*ldc+8], c30, c31, al, bt)
}

// storeX stores two 4-lane vectors into r[0:8].
func storeX(r []float32, v0, v1 archsimd.Float32x4) {
	r = r[:8]
	v0.StoreArray((*[4]float32)(r[0:4]))
	v1.StoreArray((*[4]float32)(r[4:8]))
}

// updateX sets r[0:8] = al*[v0 v1] + bt*r[0:8].
func updateX(r []float32, v0, v1, al, bt archsimd.Float32x4) {
	r = r[:8]
	p0 := (*[4]float32)(r[0:4])
	p1 := (*[4]float32)(r[4:8])
	v0.MulAdd(al, archsimd.LoadFloat32x4Array(p0).Mul(bt)).StoreArray(p0)
	v1.MulAdd(al, archsimd.LoadFloat32x4Array(p1).Mul(bt)).StoreArray(p1)
}
