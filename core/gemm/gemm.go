package gemm

import "fmt"

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major float32
// matrices, where op(X) is X or its transpose as transA/transB say.
// op(A) is m×k, op(B) is k×n and C is m×n; lda, ldb and ldc are the row
// strides of A, B and C as stored (A is stored m×k, or k×m when transA).
// It has the semantics of BLAS sgemm (gonum's
// blas32.Implementation().Sgemm) and is tested against it: when beta is 0,
// C is overwritten without being read, so NaN in C does not propagate.
// C must not overlap A or B.
//
// It panics with a message prefixed "gemm: " if a dimension is negative, a
// stride is too small or a slice too short for its shape.
//
// Sgemm runs on the calling goroutine with the fastest kernel the CPU
// supports. It allocates packing buffers on each call (at most 128 KB for
// A, plus 1 MB for B when transB; less for small products); code that
// multiplies in a loop should keep a Workspace, or a Pool to use several
// cores.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	var w Workspace
	w.k = bestKernel()
	w.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Workspace is a single-threaded Sgemm that owns its packing buffers, so
// that repeated calls allocate nothing once the buffers have grown to the
// largest block used (at most about 1.2 MB). A Workspace must not be used
// by two goroutines at once; give each goroutine its own (a Pool has one
// per worker, see Pool.Workspace).
type Workspace struct {
	k kernel

	pa, pb []float32 // packed block of A, packed panel of B
	tile   []float32 // mr×nr scratch for tiles that stick out of C

	// The scale factors live here, not on the stack: they are passed by
	// pointer through a func value, which would make a local escape.
	s, unit scale
	dotOut  [8]float32 // results of one dot-kernel call

	// packed, during SgemmPacked, is A already packed: gemmAs reads its
	// blocks instead of packing.
	packed *PackedA

	// thin is the width below which a C = A·Bᵀ product goes to the dot
	// algorithm (SetDotThin); 0 means dotThin.
	thin int
}

// NewWorkspace returns a Workspace that uses the fastest kernel the CPU
// supports.
func NewWorkspace() *Workspace {
	return &Workspace{k: bestKernel()}
}

// SetDotThin sets the width below which w's C = A·Bᵀ products go to the
// dot algorithm, min(m, n) < thin (16 by default, which thin ≤ 0
// restores; 1 means never). The default suits products whose B is used
// once, as a convolution's; a caller that multiplies the same weights by a
// few rows at a time, many times over (a recurrent network's batch of 8
// sequences, step after step), may find the packed algorithm faster from
// fewer rows, as the MANN does from 8.
func (w *Workspace) SetDotThin(thin int) { w.thin = thin }

// Kernel returns the name of the micro-kernel w runs: "avx512", "avx2",
// "simd128" or "plain".
func (w *Workspace) Kernel() string { return w.k.name }

// Sgemm computes C = alpha*op(A)*op(B) + beta*C exactly like the package
// function Sgemm, reusing w's buffers.
func (w *Workspace) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	w.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// checkArgs panics if the dimensions, strides and slice lengths do not
// describe valid matrices.
func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ra, ca := m, k // A as stored
	if transA {
		ra, ca = k, m
	}
	rb, cb := k, n
	if transB {
		rb, cb = n, k
	}
	checkMatrix("A", ra, ca, a, lda)
	checkMatrix("B", rb, cb, b, ldb)
	checkMatrix("C", m, n, c, ldc)
}

// checkMatrix panics unless s holds a rows×cols row-major matrix with row
// stride ld.
func checkMatrix(name string, rows, cols int, s []float32, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("gemm: stride ld%s=%d < %d columns of %s (%d×%d as stored)", lower(name), ld, max(1, cols), name, rows, cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*ld + cols; len(s) < need {
		panic(fmt.Sprintf("gemm: %s has %d elements, %d×%d with stride %d needs %d", name, len(s), rows, cols, ld, need))
	}
}

func lower(name string) string {
	switch name {
	case "A":
		return "a"
	case "B":
		return "b"
	}
	return "c"
}

// gemm is Sgemm on checked arguments.
func (w *Workspace) gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	thin := w.thin
	if thin <= 0 {
		thin = dotThin
	}
	w.gemmAs(w.k.useDot(transA, transB, m, n, thin), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmAs is gemm with the choice of algorithm made by the caller: a Pool
// makes it once for the whole product, so that every piece of C is
// computed as a single Workspace would.
func (w *Workspace) gemmAs(dot, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if dot {
		w.gemmDot(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	kn := w.k
	mr, nr := kn.mr, kn.nr
	kcMax := min(kn.kc, k)
	if w.packed == nil {
		w.pa = grow(w.pa, min(kn.mc, roundUp(m, mr))*kcMax)
	}
	if transB {
		w.pb = grow(w.pb, min(kn.nc, roundUp(n, nr))*kcMax)
	} else {
		w.pb = grow(w.pb, nr*kcMax) // only a narrow last strip is packed
	}
	w.tile = grow(w.tile, mr*nr)

	for jc := 0; jc < n; jc += kn.nc {
		nb := min(kn.nc, n-jc)
		for pc := 0; pc < k; pc += kn.kc {
			kb := min(kn.kc, k-pc)
			// A full-width strip of B that is not transposed already has
			// the micro-kernel's layout (kb rows of nr contiguous values,
			// ldb apart), so it is read in place; only transposed B and a
			// narrow last strip are packed. With Conv4's m = 64, packing
			// all of B would cost about as much as the multiply itself.
			var bIn []float32
			packFrom := 0
			if !transB {
				bIn = b[pc*ldb+jc:]
				packFrom = nb / nr * nr
			}
			packB(transB, b, ldb, pc, jc+packFrom, kb, nb-packFrom, nr, w.pb)
			// The first block of k applies beta; later ones accumulate.
			w.s = scale{alpha: alpha, beta: beta, betaZero: beta == 0}
			if pc > 0 {
				w.s = scale{alpha: alpha, beta: 1}
			}
			for ic := 0; ic < m; ic += kn.mc {
				mb := min(kn.mc, m-ic)
				pa := w.pa
				if w.packed != nil {
					pa = w.packed.data[pc*roundUp(m, mr)+ic*kb:]
				} else {
					packA(transA, a, lda, ic, pc, mb, kb, mr, w.pa)
				}
				w.macro(pa, mb, nb, kb, bIn, packFrom, ldb, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// macro multiplies the packed mb×kb block of A (pa) by the kb×nb panel of B
// into the mb×nb block of C that starts at c[0], one mr×nr register tile at
// a time. Columns [0, packFrom) of the panel are read in place from bIn
// (row stride ldb), the rest from the packed buffer. The B micro-panel
// stays in L1 cache while the loop over i walks down the A block.
func (w *Workspace) macro(pa []float32, mb, nb, kb int, bIn []float32, packFrom, ldb int, c []float32, ldc int) {
	kn := w.k
	s := &w.s
	w.unit = scale{alpha: 1, betaZero: true}
	mr, nr := kn.mr, kn.nr
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		var bp []float32
		bs := nr
		if jr < packFrom {
			bp, bs = bIn[jr:], ldb
		} else {
			bp = w.pb[(jr-packFrom)*kb : (jr-packFrom+nr)*kb]
		}
		ir0 := 0
		if kn.column != nil && cols == nr && mb >= mr {
			full := mb / mr
			kn.column(full, kb, pa[:full*mr*kb], bp, bs, c[jr:], ldc, s)
			ir0 = full * mr
		}
		for ir := ir0; ir < mb; ir += mr {
			rows := min(mr, mb-ir)
			ap := pa[ir*kb : (ir+mr)*kb]
			if rows == mr && cols == nr {
				kn.micro(kb, ap, bp, bs, c[ir*ldc+jr:], ldc, s)
				continue
			}
			// Edge tile: compute the full padded tile into scratch, then
			// merge the part that lies inside C.
			kn.micro(kb, ap, bp, bs, w.tile, nr, &w.unit)
			for i := 0; i < rows; i++ {
				ci := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+cols]
				ti := w.tile[i*nr : i*nr+cols]
				if s.betaZero {
					for j, t := range ti {
						ci[j] = s.alpha * t
					}
				} else {
					for j, t := range ti {
						ci[j] = s.alpha*t + s.beta*ci[j]
					}
				}
			}
		}
	}
}

// scaleC sets C = beta*C (C = 0 when beta is 0, whatever C held).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
			continue
		}
		for j := range ci {
			ci[j] *= beta
		}
	}
}

// grow returns s resliced to length n, reallocating only if its capacity is
// too small.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }
