package nn

import "metaglot/core/gemm"

// Float is the element type of the layer kernels. Production code runs them
// in float32; the gradient checks run the very same code in float64, where
// central finite differences are accurate to about 1e-10.
type Float interface{ ~float32 | ~float64 }

// Gemm is a row-major BLAS gemm for element type T:
// C = alpha*op(A)*op(B) + beta*C, op(A) m×k, op(B) k×n, C m×n. worker is
// the id of the calling worker of a Parallel loop, so that an
// implementation can keep one buffer per worker (as gemm.Pool's
// Workspaces). The layers call it from inside their loops, each worker on
// its own output.
type Gemm[T Float] func(worker int, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// Parallel runs loops split among a fixed number of workers. *gemm.Pool
// satisfies it; Serial is the one-worker implementation.
type Parallel interface {
	// Threads returns the number of workers; For passes worker ids in
	// [0, Threads()).
	Threads() int
	// For calls fn(worker, lo, hi) on disjoint ranges that cover [0, n),
	// at most one range per worker at a time, and returns when all calls
	// have returned.
	For(n int, fn func(worker, lo, hi int))
}

// Serial is a Parallel that runs every loop on the calling goroutine.
type Serial struct{}

// Threads returns 1.
func (Serial) Threads() int { return 1 }

// For calls fn(0, 0, n) if n > 0.
func (Serial) For(n int, fn func(worker, lo, hi int)) {
	if n > 0 {
		fn(0, 0, n)
	}
}

// engine bundles what the kernels need for element type T: a matrix
// multiply that runs on one worker and the loop runner that spreads work
// over the workers.
type engine[T Float] struct {
	gemm Gemm[T]
	par  Parallel
}

// packer multiplies float32 matrices by a left operand packed once for
// the gemm kernel (gemm.Workspace's PackA and SgemmPacked): the same
// products as the engine's Gemm, bit for bit, without packing A on every
// call. Conv4 gives one to its Winograd layers, whose 16 filter matrices
// U_ξ are the left operand of every tile block's products.
type packer interface {
	// pack packs the m×k row-major a (row stride lda) into dst.
	pack(dst *gemm.PackedA, m, k int, a []float32, lda int)
	// mul sets C = A·B (B k×n, C m×n row-major) on worker's workspace.
	mul(worker int, a *gemm.PackedA, n int, b []float32, ldb int, c []float32, ldc int)
}

// wsPacker is the packer of a set of gemm Workspaces (one per worker, all
// with the same kernel).
type wsPacker func(worker int) *gemm.Workspace

func (ws wsPacker) pack(dst *gemm.PackedA, m, k int, a []float32, lda int) {
	ws(0).PackA(dst, false, m, k, a, lda)
}

func (ws wsPacker) mul(worker int, a *gemm.PackedA, n int, b []float32, ldb int, c []float32, ldc int) {
	ws(worker).SgemmPacked(a, n, 1, b, ldb, 0, c, ldc)
}

// NaiveGemm is a plain-loop Gemm for any Float type (it ignores worker):
// the float64 path of the gradient checks. It is slow; float32 production
// code uses gemm's kernels.
func NaiveGemm[T Float](_ int, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
		} else if beta != 1 {
			for j := range ci {
				ci[j] *= beta
			}
		}
		if transB {
			// C[i, j] += alpha·Σ_p op(A)[i, p]·B[j, p]: dot products.
			for j := range ci {
				bj := b[j*ldb : j*ldb+k]
				var s T
				for p, bv := range bj {
					if transA {
						s += a[p*lda+i] * bv
					} else {
						s += a[i*lda+p] * bv
					}
				}
				ci[j] += alpha * s
			}
			continue
		}
		// C[i, :] += alpha·op(A)[i, p]·B[p, :], four rows of B at a time.
		p := 0
		at := func(p int) T {
			if transA {
				return alpha * a[p*lda+i]
			}
			return alpha * a[i*lda+p]
		}
		for ; p+4 <= k; p += 4 {
			a0, a1, a2, a3 := at(p), at(p+1), at(p+2), at(p+3)
			b0, b1 := b[p*ldb:p*ldb+n], b[(p+1)*ldb:(p+1)*ldb+n]
			b2, b3 := b[(p+2)*ldb:(p+2)*ldb+n], b[(p+3)*ldb:(p+3)*ldb+n]
			for j := range ci {
				ci[j] += a0*b0[j] + a1*b1[j] + a2*b2[j] + a3*b3[j]
			}
		}
		for ; p < k; p++ {
			av := at(p)
			for j, bv := range b[p*ldb : p*ldb+n] {
				ci[j] += av * bv
			}
		}
	}
}
