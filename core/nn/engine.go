package nn

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
		for p := 0; p < k; p++ {
			var av T
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			if av == 0 {
				continue
			}
			if transB {
				for j := range ci {
					ci[j] += av * b[j*ldb+p]
				}
			} else {
				bp := b[p*ldb : p*ldb+n]
				for j, bv := range bp {
					ci[j] += av * bv
				}
			}
		}
	}
}
