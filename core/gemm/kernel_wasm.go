//go:build goexperiment.simd && go1.27 && wasm

package gemm

import (
	"simd/archsimd"
	"unsafe"
)

// archKernels returns the WebAssembly 128-bit SIMD kernel. Every wasm
// engine that runs Go's output supports the fixed-width SIMD proposal, so
// there is nothing to detect. Wasm SIMD has no fused multiply-add:
// MulAdd is a multiply then an add.
//
// The 4×12 tile (twelve accumulators) measured fastest under node among
// 4×4, 4×8, 2×8, 3×8, 2×16, 4×12, 6×8, 8×8 and 4×16.
func archKernels() []kernel {
	return []kernel{{name: "simd128", mr: 4, nr: 12, mc: 128, kc: 256, nc: 1020, micro: microSIMD128x4x12, column: columnSIMD128x4x12, dot: dotSIMD128x2x4}}
}

// microSIMD128x4x12 is the wasm micro-kernel: a 4×12 tile held in twelve
// 4-lane vectors; each step of k loads three vectors of B and broadcasts
// four values of A. The bounds of A and B are checked once up front;
// inside the loop they are read through unsafe pointers, so the loop
// carries no bounds checks, which Go's wasm code pays for as compares and
// branches on every load: about 20 % faster under node (BenchmarkConvForward)
// than the bounds-checked loop with four steps per iteration it replaced.
func microSIMD128x4x12(kc int, a, b []float32, ldb int, c []float32, ldc int, s *scale) {
	var c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32 archsimd.Float32x4
	_ = a[4*kc-1]
	_ = b[(kc-1)*ldb+11]
	pa, pb := unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0])
	rowB := uintptr(ldb) * 4
	for p := 0; p < kc; p++ {
		v0 := archsimd.LoadFloat32x4Array((*[4]float32)(pb))
		v1 := archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(pb, 16)))
		v2 := archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(pb, 32)))
		ap := (*[4]float32)(pa)
		x0 := archsimd.BroadcastFloat32x4(ap[0])
		c00 = v0.MulAdd(x0, c00)
		c01 = v1.MulAdd(x0, c01)
		c02 = v2.MulAdd(x0, c02)
		x1 := archsimd.BroadcastFloat32x4(ap[1])
		c10 = v0.MulAdd(x1, c10)
		c11 = v1.MulAdd(x1, c11)
		c12 = v2.MulAdd(x1, c12)
		x2 := archsimd.BroadcastFloat32x4(ap[2])
		c20 = v0.MulAdd(x2, c20)
		c21 = v1.MulAdd(x2, c21)
		c22 = v2.MulAdd(x2, c22)
		x3 := archsimd.BroadcastFloat32x4(ap[3])
		c30 = v0.MulAdd(x3, c30)
		c31 = v1.MulAdd(x3, c31)
		c32 = v2.MulAdd(x3, c32)
		pa = unsafe.Add(pa, 16)
		pb = unsafe.Add(pb, rowB)
	}
	al := archsimd.BroadcastFloat32x4(s.alpha)
	if s.betaZero {
		storeX(c[0:12], c00.Mul(al), c01.Mul(al), c02.Mul(al))
		storeX(c[ldc:ldc+12], c10.Mul(al), c11.Mul(al), c12.Mul(al))
		storeX(c[2*ldc:2*ldc+12], c20.Mul(al), c21.Mul(al), c22.Mul(al))
		storeX(c[3*ldc:3*ldc+12], c30.Mul(al), c31.Mul(al), c32.Mul(al))
		return
	}
	bt := archsimd.BroadcastFloat32x4(s.beta)
	updateX(c[0:12], c00, c01, c02, al, bt)
	updateX(c[ldc:ldc+12], c10, c11, c12, al, bt)
	updateX(c[2*ldc:2*ldc+12], c20, c21, c22, al, bt)
	updateX(c[3*ldc:3*ldc+12], c30, c31, c32, al, bt)
}

// columnSIMD128x4x12 runs microSIMD128x4x12 down a column of tiles in
// one call: a Go function call under wasm costs a prologue, an epilogue
// and the arguments' trip through memory, which for Winograd's products
// (k = 64: 64 steps a tile) was a noticeable share of the kernel's time.
// The body is microSIMD128x4x12's, so the sums are the same.
func columnSIMD128x4x12(tiles, kc int, a, b []float32, ldb int, c []float32, ldc int, s *scale) {
	if tiles < 1 {
		return
	}
	_ = a[tiles*4*kc-1]
	_ = b[(kc-1)*ldb+11]
	_ = c[(tiles*4-1)*ldc+11]
	pb0 := unsafe.Pointer(&b[0])
	rowB := uintptr(ldb) * 4
	al := archsimd.BroadcastFloat32x4(s.alpha)
	bt := archsimd.BroadcastFloat32x4(s.beta)
	for t := 0; t < tiles; t++ {
		var c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32 archsimd.Float32x4
		pa, pb := unsafe.Pointer(&a[t*4*kc]), pb0
		for p := 0; p < kc; p++ {
			v0 := archsimd.LoadFloat32x4Array((*[4]float32)(pb))
			v1 := archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(pb, 16)))
			v2 := archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(pb, 32)))
			ap := (*[4]float32)(pa)
			x0 := archsimd.BroadcastFloat32x4(ap[0])
			c00 = v0.MulAdd(x0, c00)
			c01 = v1.MulAdd(x0, c01)
			c02 = v2.MulAdd(x0, c02)
			x1 := archsimd.BroadcastFloat32x4(ap[1])
			c10 = v0.MulAdd(x1, c10)
			c11 = v1.MulAdd(x1, c11)
			c12 = v2.MulAdd(x1, c12)
			x2 := archsimd.BroadcastFloat32x4(ap[2])
			c20 = v0.MulAdd(x2, c20)
			c21 = v1.MulAdd(x2, c21)
			c22 = v2.MulAdd(x2, c22)
			x3 := archsimd.BroadcastFloat32x4(ap[3])
			c30 = v0.MulAdd(x3, c30)
			c31 = v1.MulAdd(x3, c31)
			c32 = v2.MulAdd(x3, c32)
			pa = unsafe.Add(pa, 16)
			pb = unsafe.Add(pb, rowB)
		}
		ct := c[t*4*ldc:]
		if s.betaZero {
			storeX(ct[0:12], c00.Mul(al), c01.Mul(al), c02.Mul(al))
			storeX(ct[ldc:ldc+12], c10.Mul(al), c11.Mul(al), c12.Mul(al))
			storeX(ct[2*ldc:2*ldc+12], c20.Mul(al), c21.Mul(al), c22.Mul(al))
			storeX(ct[3*ldc:3*ldc+12], c30.Mul(al), c31.Mul(al), c32.Mul(al))
			continue
		}
		updateX(ct[0:12], c00, c01, c02, al, bt)
		updateX(ct[ldc:ldc+12], c10, c11, c12, al, bt)
		updateX(ct[2*ldc:2*ldc+12], c20, c21, c22, al, bt)
		updateX(ct[3*ldc:3*ldc+12], c30, c31, c32, al, bt)
	}
}

// storeX stores three 4-lane vectors into r[0:12].
func storeX(r []float32, v0, v1, v2 archsimd.Float32x4) {
	r = r[:12]
	v0.StoreArray((*[4]float32)(r[0:4]))
	v1.StoreArray((*[4]float32)(r[4:8]))
	v2.StoreArray((*[4]float32)(r[8:12]))
}

// updateX sets r[0:12] = al*[v0 v1 v2] + bt*r[0:12].
func updateX(r []float32, v0, v1, v2, al, bt archsimd.Float32x4) {
	r = r[:12]
	p0 := (*[4]float32)(r[0:4])
	p1 := (*[4]float32)(r[4:8])
	p2 := (*[4]float32)(r[8:12])
	v0.MulAdd(al, archsimd.LoadFloat32x4Array(p0).Mul(bt)).StoreArray(p0)
	v1.MulAdd(al, archsimd.LoadFloat32x4Array(p1).Mul(bt)).StoreArray(p1)
	v2.MulAdd(al, archsimd.LoadFloat32x4Array(p2).Mul(bt)).StoreArray(p2)
}

// dotSIMD128x2x4 is the wasm dot kernel (see dotKernel): eight 4-lane
// accumulators.
func dotSIMD128x2x4(kc int, a0, a1, b0, b1, b2, b3 []float32, out *[8]float32) {
	var c00, c01, c02, c03, c10, c11, c12, c13 archsimd.Float32x4
	a0, a1 = a0[:kc], a1[:kc]
	b0, b1, b2, b3 = b0[:kc], b1[:kc], b2[:kc], b3[:kc]
	p := 0
	for ; p+4 <= kc; p += 4 {
		x0 := archsimd.LoadFloat32x4Array((*[4]float32)(a0[p : p+4]))
		x1 := archsimd.LoadFloat32x4Array((*[4]float32)(a1[p : p+4]))
		y0 := archsimd.LoadFloat32x4Array((*[4]float32)(b0[p : p+4]))
		y1 := archsimd.LoadFloat32x4Array((*[4]float32)(b1[p : p+4]))
		y2 := archsimd.LoadFloat32x4Array((*[4]float32)(b2[p : p+4]))
		y3 := archsimd.LoadFloat32x4Array((*[4]float32)(b3[p : p+4]))
		c00 = x0.MulAdd(y0, c00)
		c01 = x0.MulAdd(y1, c01)
		c02 = x0.MulAdd(y2, c02)
		c03 = x0.MulAdd(y3, c03)
		c10 = x1.MulAdd(y0, c10)
		c11 = x1.MulAdd(y1, c11)
		c12 = x1.MulAdd(y2, c12)
		c13 = x1.MulAdd(y3, c13)
	}
	var t [8 * 4]float32
	c00.StoreArray((*[4]float32)(t[0:4]))
	c01.StoreArray((*[4]float32)(t[4:8]))
	c02.StoreArray((*[4]float32)(t[8:12]))
	c03.StoreArray((*[4]float32)(t[12:16]))
	c10.StoreArray((*[4]float32)(t[16:20]))
	c11.StoreArray((*[4]float32)(t[20:24]))
	c12.StoreArray((*[4]float32)(t[24:28]))
	c13.StoreArray((*[4]float32)(t[28:32]))
	sumLanes(out, t[:], 4)
	dotTail(p, kc, a0, a1, b0, b1, b2, b3, out)
}
