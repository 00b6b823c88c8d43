package gemm

// This file is the second algorithm, for C = alpha*A*Bᵀ + beta*C when C is
// thin. There every row of A and of B is contiguous along k, so each element
// of C is a dot product of two contiguous rows, and a dot kernel computes a
// 2×4 block of them with vectors running along k: no packing, no
// broadcasts. The packed algorithm would instead transpose all of B into
// its panel, and with C only a few rows (or columns) wide each packed value
// would be used in just that many multiply-adds: for Conv4's first layer
// (K = 9) packing cost more than the arithmetic.

// dotKernel sets out[r*4+q] = Σ_p a_r[p]*b_q[p] over p < kc for the two
// rows a0, a1 and the four rows b0..b3 (each at least kc long).
type dotKernel func(kc int, a0, a1, b0, b1, b2, b3 []float32, out *[8]float32)

// dotThin is the width below which a C = A·Bᵀ product goes to the dot
// kernel: min(m, n) < dotThin.
const dotThin = 16

// dotKC is the length of the k blocks of the dot algorithm: four rows of B
// (32 KB) stay in L1 cache while the loop runs down the rows of A.
const dotKC = 2048

// useDot reports whether the product goes to the dot algorithm, for a
// product thinner than thin (dotThin, or a Workspace's SetDotThin).
func (kn *kernel) useDot(transA, transB bool, m, n, thin int) bool {
	return kn.dot != nil && !transA && transB && min(m, n) < thin
}

// gemmDot computes C = alpha*A*Bᵀ + beta*C (A m×k, B n×k, both stored
// row-major) with w's dot kernel, in blocks of 2 rows of A by 4 rows of B.
// Arguments are checked and alpha, k and m, n are nonzero.
func (w *Workspace) gemmDot(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	out := &w.dotOut
	for pc := 0; pc < k; pc += dotKC {
		kb := min(dotKC, k-pc)
		for j := 0; j < n; j += 4 {
			cols := min(4, n-j)
			// A block that sticks out of C reuses its last row; the extra
			// results are dropped.
			b0 := b[(j+min(0, cols-1))*ldb+pc:]
			b1 := b[(j+min(1, cols-1))*ldb+pc:]
			b2 := b[(j+min(2, cols-1))*ldb+pc:]
			b3 := b[(j+min(3, cols-1))*ldb+pc:]
			for i := 0; i < m; i += 2 {
				rows := min(2, m-i)
				a0 := a[i*lda+pc:]
				a1 := a[(i+rows-1)*lda+pc:]
				w.k.dot(kb, a0, a1, b0, b1, b2, b3, out)
				for r := 0; r < rows; r++ {
					ci := c[(i+r)*ldc+j : (i+r)*ldc+j+cols]
					for q := range ci {
						v := alpha * out[r*4+q]
						switch {
						case pc > 0:
							ci[q] += v
						case beta == 0:
							ci[q] = v
						default:
							ci[q] = v + beta*ci[q]
						}
					}
				}
			}
		}
	}
}

// sumLanes sets out[i] to the sum of the lanes of vector i, stored in
// t[i*lanes:(i+1)*lanes], for the eight accumulators of a dot kernel.
func sumLanes(out *[8]float32, t []float32, lanes int) {
	for i := range out {
		var s float32
		for _, v := range t[i*lanes : (i+1)*lanes] {
			s += v
		}
		out[i] = s
	}
}

// dotTail adds the products of elements [p, kc) that did not fill a vector
// to the dot products in out.
func dotTail(p, kc int, a0, a1, b0, b1, b2, b3 []float32, out *[8]float32) {
	for ; p < kc; p++ {
		x0, x1 := a0[p], a1[p]
		y0, y1, y2, y3 := b0[p], b1[p], b2[p], b3[p]
		out[0] += x0 * y0
		out[1] += x0 * y1
		out[2] += x0 * y2
		out[3] += x0 * y3
		out[4] += x1 * y0
		out[5] += x1 * y1
		out[6] += x1 * y2
		out[7] += x1 * y3
	}
}
