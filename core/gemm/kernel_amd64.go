//go:build goexperiment.simd && go1.27 && amd64

package gemm

import "simd/archsimd"

// archKernels returns the vector kernels this amd64 CPU can run, fastest
// first, chosen at run time from the CPU's feature flags: AVX-512 (16
// lanes), then AVX2 with FMA (8 lanes).
//
// Both tiles have four rows and eight accumulator registers. Larger tiles
// would do more arithmetic per load, but with Go 1.27's register allocator
// they spill accumulators inside the loop (and a spilled 128-bit value is
// moved with legacy SSE instructions, whose AVX-SSE transition penalty on
// this kind of CPU makes the kernel some 100 times slower); these two
// shapes compile without a single spill.
func archKernels() []kernel {
	var ks []kernel
	if archsimd.X86.AVX512() {
		ks = append(ks, kernel{name: "avx512", mr: 8, nr: 48, mc: 128, kc: 128, nc: 1008, micro: microAVX512x8x48, dot: dotAVX512x2x4})
	}
	if archsimd.X86.AVX2() && archsimd.X86.FMA() {
		ks = append(ks, kernel{name: "avx2", mr: 4, nr: 16, mc: 128, kc: 256, nc: 1024, micro: microAVX2x4x16, dot: dotAVX2x2x4})
	}
	return ks
}

//go:generate go run gen_avx512.go

// microAVX512x8x48asm is the AVX-512 micro-kernel in Go assembly
// (kernel_avx512_amd64.s, written by gen_avx512.go): an 8×48 tile held in
// 24 16-lane registers; each step of k loads three vectors of B,
// broadcasts eight values of A and does 24 fused multiply-adds. It reads
// and writes through raw pointers: microAVX512x8x48 checks the bounds.
//
//go:noescape
func microAVX512x8x48asm(kc int, a, b *float32, ldb int, c *float32, ldc int, s *scale)

// microAVX512x8x48 is the AVX-512 micro-kernel (see microKernel): the
// assembly kernel after a bounds check of everything it touches.
func microAVX512x8x48(kc int, a, b []float32, ldb int, c []float32, ldc int, s *scale) {
	if kc < 1 {
		panic("gemm: micro-kernel with kc < 1")
	}
	_ = a[8*kc-1]
	_ = b[(kc-1)*ldb+47]
	_ = c[7*ldc+47]
	microAVX512x8x48asm(kc, &a[0], &b[0], ldb, &c[0], ldc, s)
}

// microAVX512x4x32 is the AVX-512 micro-kernel: a 4×32 tile held in eight
// 16-lane registers; each step of k loads two vectors of B, broadcasts four
// values of A and does eight fused multiply-adds. The loop body holds four
// steps, which cuts loop and bounds-check overhead (about 10% faster than
// one step per iteration, and still free of spills).
func microAVX512x4x32(kc int, a, b []float32, ldb int, c []float32, ldc int, s *scale) {
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x16
	a = a[:4*kc]
	p := 0
	for ; p+4 <= kc; p += 4 {
		ap := a[4*p : 4*p+16]
		{ // step p+0
			bp := b[p*ldb : p*ldb+32]
			v0 := archsimd.LoadFloat32x16Array((*[16]float32)(bp[0:16]))
			v1 := archsimd.LoadFloat32x16Array((*[16]float32)(bp[16:32]))
			x0 := archsimd.BroadcastFloat32x16(ap[0])
			c00 = x0.MulAdd(v0, c00)
			c01 = x0.MulAdd(v1, c01)
			x1 := archsimd.BroadcastFloat32x16(ap[1])
			c10 = x1.MulAdd(v0, c10)
			c11 = x1.MulAdd(v1, c11)
			x2 := archsimd.BroadcastFloat32x16(ap[2])
			c20 = x2.MulAdd(v0, c20)
			c21 = x2.MulAdd(v1, c21)
			x3 := archsimd.BroadcastFloat32x16(ap[3])
			c30 = x3.MulAdd(v0, c30)
			c31 = x3.MulAdd(v1, c31)
		}
		{ // step p+1
			bp := b[(p+1)*ldb : (p+1)*ldb+32]
			v0 := archsimd.LoadFloat32x16Array((*[16]float32)(bp[0:16]))
			v1 := archsimd.LoadFloat32x16Array((*[16]float32)(bp[16:32]))
			x0 := archsimd.BroadcastFloat32x16(ap[4])
			c00 = x0.MulAdd(v0, c00)
			c01 = x0.MulAdd(v1, c01)
			x1 := archsimd.BroadcastFloat32x16(ap[5])
			c10 = x1.MulAdd(v0, c10)
			c11 = x1.MulAdd(v1, c11)
			x2 := archsimd.BroadcastFloat32x16(ap[6])
			c20 = x2.MulAdd(v0, c20)
			c21 = x2.MulAdd(v1, c21)
			x3 := archsimd.BroadcastFloat32x16(ap[7])
			c30 = x3.MulAdd(v0, c30)
			c31 = x3.MulAdd(v1, c31)
		}
		{ // step p+2
			bp := b[(p+2)*ldb : (p+2)*ldb+32]
			v0 := archsimd.LoadFloat32x16Array((*[16]float32)(bp[0:16]))
			v1 := archsimd.LoadFloat32x16Array((*[16]float32)(bp[16:32]))
			x0 := archsimd.BroadcastFloat32x16(ap[8])
			c00 = x0.MulAdd(v0, c00)
			c01 = x0.MulAdd(v1, c01)
			x1 := archsimd.BroadcastFloat32x16(ap[9])
			c10 = x1.MulAdd(v0, c10)
			c11 = x1.MulAdd(v1, c11)
			x2 := archsimd.BroadcastFloat32x16(ap[10])
			c20 = x2.MulAdd(v0, c20)
			c21 = x2.MulAdd(v1, c21)
			x3 := archsimd.BroadcastFloat32x16(ap[11])
			c30 = x3.MulAdd(v0, c30)
			c31 = x3.MulAdd(v1, c31)
		}
		{ // step p+3
			bp := b[(p+3)*ldb : (p+3)*ldb+32]
			v0 := archsimd.LoadFloat32x16Array((*[16]float32)(bp[0:16]))
			v1 := archsimd.LoadFloat32x16Array((*[16]float32)(bp[16:32]))
			x0 := archsimd.BroadcastFloat32x16(ap[12])
			c00 = x0.MulAdd(v0, c00)
			c01 = x0.MulAdd(v1, c01)
			x1 := archsimd.BroadcastFloat32x16(ap[13])
			c10 = x1.MulAdd(v0, c10)
			c11 = x1.MulAdd(v1, c11)
			x2 := archsimd.BroadcastFloat32x16(ap[14])
			c20 = x2.MulAdd(v0, c20)
			c21 = x2.MulAdd(v1, c21)
			x3 := archsimd.BroadcastFloat32x16(ap[15])
			c30 = x3.MulAdd(v0, c30)
			c31 = x3.MulAdd(v1, c31)
		}
	}
	for ; p < kc; p++ {
		ap := a[4*p : 4*p+4]
		bp := b[p*ldb : p*ldb+32]
		v0 := archsimd.LoadFloat32x16Array((*[16]float32)(bp[0:16]))
		v1 := archsimd.LoadFloat32x16Array((*[16]float32)(bp[16:32]))
		x0 := archsimd.BroadcastFloat32x16(ap[0])
		c00 = x0.MulAdd(v0, c00)
		c01 = x0.MulAdd(v1, c01)
		x1 := archsimd.BroadcastFloat32x16(ap[1])
		c10 = x1.MulAdd(v0, c10)
		c11 = x1.MulAdd(v1, c11)
		x2 := archsimd.BroadcastFloat32x16(ap[2])
		c20 = x2.MulAdd(v0, c20)
		c21 = x2.MulAdd(v1, c21)
		x3 := archsimd.BroadcastFloat32x16(ap[3])
		c30 = x3.MulAdd(v0, c30)
		c31 = x3.MulAdd(v1, c31)
	}
	al := archsimd.BroadcastFloat32x16(s.alpha)
	if s.betaZero {
		storeZ(c[0:32], c00.Mul(al), c01.Mul(al))
		storeZ(c[ldc:ldc+32], c10.Mul(al), c11.Mul(al))
		storeZ(c[2*ldc:2*ldc+32], c20.Mul(al), c21.Mul(al))
		storeZ(c[3*ldc:3*ldc+32], c30.Mul(al), c31.Mul(al))
	} else {
		bt := archsimd.BroadcastFloat32x16(s.beta)
		updateZ(c[0:32], c00, c01, al, bt)
		updateZ(c[ldc:ldc+32], c10, c11, al, bt)
		updateZ(c[2*ldc:2*ldc+32], c20, c21, al, bt)
		updateZ(c[3*ldc:3*ldc+32], c30, c31, al, bt)
	}
	// Back to SSE-clean state before returning to scalar Go code.
	archsimd.ClearAVXUpperBits()
}

// storeZ stores two 16-lane vectors into r[0:32].
func storeZ(r []float32, v0, v1 archsimd.Float32x16) {
	r = r[:32]
	v0.StoreArray((*[16]float32)(r[0:16]))
	v1.StoreArray((*[16]float32)(r[16:32]))
}

// updateZ sets r[0:32] = al*[v0 v1] + bt*r[0:32].
func updateZ(r []float32, v0, v1, al, bt archsimd.Float32x16) {
	r = r[:32]
	p0 := (*[16]float32)(r[0:16])
	p1 := (*[16]float32)(r[16:32])
	v0.MulAdd(al, archsimd.LoadFloat32x16Array(p0).Mul(bt)).StoreArray(p0)
	v1.MulAdd(al, archsimd.LoadFloat32x16Array(p1).Mul(bt)).StoreArray(p1)
}

// microAVX2x4x16 is the AVX2+FMA micro-kernel: a 4×16 tile held in eight
// 8-lane registers, the same schedule as the AVX-512 kernel at half width
// (four steps of k per loop iteration).
func microAVX2x4x16(kc int, a, b []float32, ldb int, c []float32, ldc int, s *scale) {
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x8
	a = a[:4*kc]
	p := 0
	for ; p+4 <= kc; p += 4 {
		ap := a[4*p : 4*p+16]
		{ // step p+0
			bp := b[p*ldb : p*ldb+16]
			v0 := archsimd.LoadFloat32x8Array((*[8]float32)(bp[0:8]))
			v1 := archsimd.LoadFloat32x8Array((*[8]float32)(bp[8:16]))
			x0 := archsimd.BroadcastFloat32x8(ap[0])
			c00 = x0.MulAdd(v0, c00)
			c01 = x0.MulAdd(v1, c01)
			x1 := archsimd.BroadcastFloat32x8(ap[1])
			c10 = x1.MulAdd(v0, c10)
			c11 = x1.MulAdd(v1, c11)
			x2 := archsimd.BroadcastFloat32x8(ap[2])
			c20 = x2.MulAdd(v0, c20)
			c21 = x2.MulAdd(v1, c21)
			x3 := archsimd.BroadcastFloat32x8(ap[3])
			c30 = x3.MulAdd(v0, c30)
			c31 = x3.MulAdd(v1, c31)
		}
		{ // step p+1
			bp := b[(p+1)*ldb : (p+1)*ldb+16]
			v0 := archsimd.LoadFloat32x8Array((*[8]float32)(bp[0:8]))
			v1 := archsimd.LoadFloat32x8Array((*[8]float32)(bp[8:16]))
			x0 := archsimd.BroadcastFloat32x8(ap[4])
			c00 = x0.MulAdd(v0, c00)
			c01 = x0.MulAdd(v1, c01)
			x1 := archsimd.BroadcastFloat32x8(ap[5])
			c10 = x1.MulAdd(v0, c10)
			c11 = x1.MulAdd(v1, c11)
			x2 := archsimd.BroadcastFloat32x8(ap[6])
			c20 = x2.MulAdd(v0, c20)
			c21 = x2.MulAdd(v1, c21)
			x3 := archsimd.BroadcastFloat32x8(ap[7])
			c30 = x3.MulAdd(v0, c30)
			c31 = x3.MulAdd(v1, c31)
		}
		{ // step p+2
			bp := b[(p+2)*ldb : (p+2)*ldb+16]
			v0 := archsimd.LoadFloat32x8Array((*[8]float32)(bp[0:8]))
			v1 := archsimd.LoadFloat32x8Array((*[8]float32)(bp[8:16]))
			x0 := archsimd.BroadcastFloat32x8(ap[8])
			c00 = x0.MulAdd(v0, c00)
			c01 = x0.MulAdd(v1, c01)
			x1 := archsimd.BroadcastFloat32x8(ap[9])
			c10 = x1.MulAdd(v0, c10)
			c11 = x1.MulAdd(v1, c11)
			x2 := archsimd.BroadcastFloat32x8(ap[10])
			c20 = x2.MulAdd(v0, c20)
			c21 = x2.MulAdd(v1, c21)
			x3 := archsimd.BroadcastFloat32x8(ap[11])
			c30 = x3.MulAdd(v0, c30)
			c31 = x3.MulAdd(v1, c31)
		}
		{ // step p+3
			bp := b[(p+3)*ldb : (p+3)*ldb+16]
			v0 := archsimd.LoadFloat32x8Array((*[8]float32)(bp[0:8]))
			v1 := archsimd.LoadFloat32x8Array((*[8]float32)(bp[8:16]))
			x0 := archsimd.BroadcastFloat32x8(ap[12])
			c00 = x0.MulAdd(v0, c00)
			c01 = x0.MulAdd(v1, c01)
			x1 := archsimd.BroadcastFloat32x8(ap[13])
			c10 = x1.MulAdd(v0, c10)
			c11 = x1.MulAdd(v1, c11)
			x2 := archsimd.BroadcastFloat32x8(ap[14])
			c20 = x2.MulAdd(v0, c20)
			c21 = x2.MulAdd(v1, c21)
			x3 := archsimd.BroadcastFloat32x8(ap[15])
			c30 = x3.MulAdd(v0, c30)
			c31 = x3.MulAdd(v1, c31)
		}
	}
	for ; p < kc; p++ {
		ap := a[4*p : 4*p+4]
		bp := b[p*ldb : p*ldb+16]
		v0 := archsimd.LoadFloat32x8Array((*[8]float32)(bp[0:8]))
		v1 := archsimd.LoadFloat32x8Array((*[8]float32)(bp[8:16]))
		x0 := archsimd.BroadcastFloat32x8(ap[0])
		c00 = x0.MulAdd(v0, c00)
		c01 = x0.MulAdd(v1, c01)
		x1 := archsimd.BroadcastFloat32x8(ap[1])
		c10 = x1.MulAdd(v0, c10)
		c11 = x1.MulAdd(v1, c11)
		x2 := archsimd.BroadcastFloat32x8(ap[2])
		c20 = x2.MulAdd(v0, c20)
		c21 = x2.MulAdd(v1, c21)
		x3 := archsimd.BroadcastFloat32x8(ap[3])
		c30 = x3.MulAdd(v0, c30)
		c31 = x3.MulAdd(v1, c31)
	}
	al := archsimd.BroadcastFloat32x8(s.alpha)
	if s.betaZero {
		storeY(c[0:16], c00.Mul(al), c01.Mul(al))
		storeY(c[ldc:ldc+16], c10.Mul(al), c11.Mul(al))
		storeY(c[2*ldc:2*ldc+16], c20.Mul(al), c21.Mul(al))
		storeY(c[3*ldc:3*ldc+16], c30.Mul(al), c31.Mul(al))
	} else {
		bt := archsimd.BroadcastFloat32x8(s.beta)
		updateY(c[0:16], c00, c01, al, bt)
		updateY(c[ldc:ldc+16], c10, c11, al, bt)
		updateY(c[2*ldc:2*ldc+16], c20, c21, al, bt)
		updateY(c[3*ldc:3*ldc+16], c30, c31, al, bt)
	}
	archsimd.ClearAVXUpperBits()
}

// storeY stores two 8-lane vectors into r[0:16].
func storeY(r []float32, v0, v1 archsimd.Float32x8) {
	r = r[:16]
	v0.StoreArray((*[8]float32)(r[0:8]))
	v1.StoreArray((*[8]float32)(r[8:16]))
}

// updateY sets r[0:16] = al*[v0 v1] + bt*r[0:16].
func updateY(r []float32, v0, v1, al, bt archsimd.Float32x8) {
	r = r[:16]
	p0 := (*[8]float32)(r[0:8])
	p1 := (*[8]float32)(r[8:16])
	v0.MulAdd(al, archsimd.LoadFloat32x8Array(p0).Mul(bt)).StoreArray(p0)
	v1.MulAdd(al, archsimd.LoadFloat32x8Array(p1).Mul(bt)).StoreArray(p1)
}

// dotAVX512x2x4 is the AVX-512 dot kernel (see dotKernel): eight 16-lane
// accumulators, six loads per eight fused multiply-adds.
func dotAVX512x2x4(kc int, a0, a1, b0, b1, b2, b3 []float32, out *[8]float32) {
	var c00, c01, c02, c03, c10, c11, c12, c13 archsimd.Float32x16
	a0, a1 = a0[:kc], a1[:kc]
	b0, b1, b2, b3 = b0[:kc], b1[:kc], b2[:kc], b3[:kc]
	p := 0
	for ; p+16 <= kc; p += 16 {
		x0 := archsimd.LoadFloat32x16Array((*[16]float32)(a0[p : p+16]))
		x1 := archsimd.LoadFloat32x16Array((*[16]float32)(a1[p : p+16]))
		y0 := archsimd.LoadFloat32x16Array((*[16]float32)(b0[p : p+16]))
		y1 := archsimd.LoadFloat32x16Array((*[16]float32)(b1[p : p+16]))
		y2 := archsimd.LoadFloat32x16Array((*[16]float32)(b2[p : p+16]))
		y3 := archsimd.LoadFloat32x16Array((*[16]float32)(b3[p : p+16]))
		c00 = x0.MulAdd(y0, c00)
		c01 = x0.MulAdd(y1, c01)
		c02 = x0.MulAdd(y2, c02)
		c03 = x0.MulAdd(y3, c03)
		c10 = x1.MulAdd(y0, c10)
		c11 = x1.MulAdd(y1, c11)
		c12 = x1.MulAdd(y2, c12)
		c13 = x1.MulAdd(y3, c13)
	}
	var t [8 * 16]float32
	c00.StoreArray((*[16]float32)(t[0:16]))
	c01.StoreArray((*[16]float32)(t[16:32]))
	c02.StoreArray((*[16]float32)(t[32:48]))
	c03.StoreArray((*[16]float32)(t[48:64]))
	c10.StoreArray((*[16]float32)(t[64:80]))
	c11.StoreArray((*[16]float32)(t[80:96]))
	c12.StoreArray((*[16]float32)(t[96:112]))
	c13.StoreArray((*[16]float32)(t[112:128]))
	archsimd.ClearAVXUpperBits()
	sumLanes(out, t[:], 16)
	dotTail(p, kc, a0, a1, b0, b1, b2, b3, out)
}

// dotAVX2x2x4 is the AVX2 dot kernel (see dotKernel): eight 8-lane
// accumulators.
func dotAVX2x2x4(kc int, a0, a1, b0, b1, b2, b3 []float32, out *[8]float32) {
	var c00, c01, c02, c03, c10, c11, c12, c13 archsimd.Float32x8
	a0, a1 = a0[:kc], a1[:kc]
	b0, b1, b2, b3 = b0[:kc], b1[:kc], b2[:kc], b3[:kc]
	p := 0
	for ; p+8 <= kc; p += 8 {
		x0 := archsimd.LoadFloat32x8Array((*[8]float32)(a0[p : p+8]))
		x1 := archsimd.LoadFloat32x8Array((*[8]float32)(a1[p : p+8]))
		y0 := archsimd.LoadFloat32x8Array((*[8]float32)(b0[p : p+8]))
		y1 := archsimd.LoadFloat32x8Array((*[8]float32)(b1[p : p+8]))
		y2 := archsimd.LoadFloat32x8Array((*[8]float32)(b2[p : p+8]))
		y3 := archsimd.LoadFloat32x8Array((*[8]float32)(b3[p : p+8]))
		c00 = x0.MulAdd(y0, c00)
		c01 = x0.MulAdd(y1, c01)
		c02 = x0.MulAdd(y2, c02)
		c03 = x0.MulAdd(y3, c03)
		c10 = x1.MulAdd(y0, c10)
		c11 = x1.MulAdd(y1, c11)
		c12 = x1.MulAdd(y2, c12)
		c13 = x1.MulAdd(y3, c13)
	}
	var t [8 * 8]float32
	c00.StoreArray((*[8]float32)(t[0:8]))
	c01.StoreArray((*[8]float32)(t[8:16]))
	c02.StoreArray((*[8]float32)(t[16:24]))
	c03.StoreArray((*[8]float32)(t[24:32]))
	c10.StoreArray((*[8]float32)(t[32:40]))
	c11.StoreArray((*[8]float32)(t[40:48]))
	c12.StoreArray((*[8]float32)(t[48:56]))
	c13.StoreArray((*[8]float32)(t[56:64]))
	archsimd.ClearAVXUpperBits()
	sumLanes(out, t[:], 8)
	dotTail(p, kc, a0, a1, b0, b1, b2, b3, out)
}
