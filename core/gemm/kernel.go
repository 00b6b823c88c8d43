package gemm

// scale carries alpha and beta to a micro-kernel through memory rather than
// float registers: on amd64 a float argument spilled with a legacy SSE move
// inside AVX code costs a state-transition penalty on every iteration.
type scale struct {
	alpha, beta float32
	// betaZero reports beta == 0: C is overwritten, never read, so NaN or
	// Inf garbage in C does not leak into the result.
	betaZero bool
}

// microKernel computes the mr×nr tile
//
//	C = s.alpha*Ã*B̃ + s.beta*C
//
// where Ã is a packed mr×kc micro-panel of A (kc groups of mr values, one
// column of the panel after another) and B̃ a packed kc×nr micro-panel of B
// (kc rows of nr values). C's rows start ldc apart. len(a) >= mr*kc,
// len(b) >= kc*nr and len(c) >= (mr-1)*ldc+nr.
type microKernel func(kc int, a, b []float32, ldb int, c []float32, ldc int, s *scale)

// columnKernel computes tiles mr×nr tiles of C one below the other, each
// as microKernel would: tile t from the micro-panel a[t·mr·kc:] and the
// same B̃, into c[t·mr·ldc:].
type columnKernel func(tiles, kc int, a, b []float32, ldb int, c []float32, ldc int, s *scale)

// kernel is one implementation of the inner loops: a register-tile
// micro-kernel and the cache-block sizes that suit it.
type kernel struct {
	name   string
	mr, nr int // register tile: rows of A, columns of B per micro-kernel call
	mc     int // rows of A per packed block (multiple of mr)
	kc     int // depth of a packed block
	nc     int // columns of B per packed panel (multiple of nr)
	micro  microKernel
	// column, if set, runs micro down a column of tiles: tiles full mr×nr
	// tiles, A's micro-panels mr·kc apart, C's tiles mr rows apart, the
	// same arithmetic in one call (where a call costs, as under wasm).
	column columnKernel
	dot    dotKernel // nil: thin A·Bᵀ products also take the packed path
}

// kernels returns the kernels this CPU can run, fastest first. The last one
// is always the plain-Go kernel.
func kernels() []kernel {
	return append(archKernels(), plainKernel())
}

// bestKernel returns the fastest kernel this CPU can run.
func bestKernel() kernel {
	if ks := archKernels(); len(ks) > 0 {
		return ks[0]
	}
	return plainKernel()
}

// plainKernel is the portable kernel in plain Go: a 2×4 register tile of
// scalar accumulators. Among 4×4, 2×4, 4×2, 3×3, 3×4, 2×6, 2×8 and 1×8 it
// measured fastest natively and second under wasm: eight accumulators and
// six operands fit amd64's sixteen float registers without spilling.
func plainKernel() kernel {
	return kernel{name: "plain", mr: 2, nr: 4, mc: 128, kc: 256, nc: 1024, micro: microPlain2x4, dot: dotPlain2x4}
}

// dotPlain2x4 is the plain-Go dot kernel (see dotKernel): eight scalar
// accumulators, six loads per eight multiply-adds.
func dotPlain2x4(kc int, a0, a1, b0, b1, b2, b3 []float32, out *[8]float32) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	a0, a1 = a0[:kc], a1[:kc]
	b0, b1, b2, b3 = b0[:kc], b1[:kc], b2[:kc], b3[:kc]
	for p := range a0 {
		x0, x1 := a0[p], a1[p]
		y0, y1, y2, y3 := b0[p], b1[p], b2[p], b3[p]
		c00 += x0 * y0
		c01 += x0 * y1
		c02 += x0 * y2
		c03 += x0 * y3
		c10 += x1 * y0
		c11 += x1 * y1
		c12 += x1 * y2
		c13 += x1 * y3
	}
	*out = [8]float32{c00, c01, c02, c03, c10, c11, c12, c13}
}

// microPlain2x4 is the plain-Go micro-kernel: eight scalar accumulators,
// two loads of A and four of B per step of k, four steps per loop
// iteration (about 20% faster under wasm, the same natively).
func microPlain2x4(kc int, a, b []float32, ldb int, c []float32, ldc int, s *scale) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	a = a[:2*kc]
	p := 0
	for ; p+4 <= kc; p += 4 {
		ap := a[2*p : 2*p+8]
		{ // step p+0
			b := b[p*ldb : p*ldb+4]
			b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
			a0 := ap[0]
			c00 += a0 * b0
			c01 += a0 * b1
			c02 += a0 * b2
			c03 += a0 * b3
			a1 := ap[1]
			c10 += a1 * b0
			c11 += a1 * b1
			c12 += a1 * b2
			c13 += a1 * b3
		}
		{ // step p+1
			b := b[(p+1)*ldb : (p+1)*ldb+4]
			b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
			a0 := ap[2]
			c00 += a0 * b0
			c01 += a0 * b1
			c02 += a0 * b2
			c03 += a0 * b3
			a1 := ap[3]
			c10 += a1 * b0
			c11 += a1 * b1
			c12 += a1 * b2
			c13 += a1 * b3
		}
		{ // step p+2
			b := b[(p+2)*ldb : (p+2)*ldb+4]
			b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
			a0 := ap[4]
			c00 += a0 * b0
			c01 += a0 * b1
			c02 += a0 * b2
			c03 += a0 * b3
			a1 := ap[5]
			c10 += a1 * b0
			c11 += a1 * b1
			c12 += a1 * b2
			c13 += a1 * b3
		}
		{ // step p+3
			b := b[(p+3)*ldb : (p+3)*ldb+4]
			b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
			a0 := ap[6]
			c00 += a0 * b0
			c01 += a0 * b1
			c02 += a0 * b2
			c03 += a0 * b3
			a1 := ap[7]
			c10 += a1 * b0
			c11 += a1 * b1
			c12 += a1 * b2
			c13 += a1 * b3
		}
	}
	for ; p < kc; p++ {
		ap := a[2*p : 2*p+2]
		b := b[p*ldb : p*ldb+4]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	storeRow4(c[0:4], c00, c01, c02, c03, s)
	storeRow4(c[ldc:ldc+4], c10, c11, c12, c13, s)
}

// storeRow4 sets r = alpha*v + beta*r for one row of a 4-wide tile.
func storeRow4(r []float32, v0, v1, v2, v3 float32, s *scale) {
	r = r[:4]
	al := s.alpha
	if s.betaZero {
		r[0], r[1], r[2], r[3] = al*v0, al*v1, al*v2, al*v3
		return
	}
	bt := s.beta
	r[0] = al*v0 + bt*r[0]
	r[1] = al*v1 + bt*r[1]
	r[2] = al*v2 + bt*r[2]
	r[3] = al*v3 + bt*r[3]
}
