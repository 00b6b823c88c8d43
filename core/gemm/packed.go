package gemm

import "fmt"

// PackedA is a matrix op(A) packed once, in the layout a Workspace's
// micro-kernel reads (its mr-row micro-panels, block by block), for use
// as the left operand of many products: SgemmPacked then skips packing A,
// which for a small A (Winograd's 64×64 filter matrices, multiplied by
// many blocks of tiles) costs as much as a tenth of the product.
type PackedA struct {
	kernel string // name of the kernel it was packed for
	m, k   int
	data   []float32
}

// Rows and Cols return the shape of op(A): m×k.
func (p *PackedA) Rows() int { return p.m }

// Cols returns k, the number of columns of op(A).
func (p *PackedA) Cols() int { return p.k }

// PackA packs op(A) (m×k; A stored m×k, or k×m when transA, row stride
// lda) into p for w's kernel, reusing p's storage. It panics on malformed
// arguments, as Sgemm does.
func (w *Workspace) PackA(p *PackedA, transA bool, m, k int, a []float32, lda int) {
	ra, ca := m, k
	if transA {
		ra, ca = k, m
	}
	if m < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative dimension m=%d k=%d", m, k))
	}
	checkMatrix("A", ra, ca, a, lda)
	kn := w.k
	rows := roundUp(m, kn.mr)
	p.kernel, p.m, p.k = kn.name, m, k
	p.data = grow(p.data, rows*k)
	// Block (pc, ic) of the product's loops starts at pc·rows + ic·kb: the
	// blocks before it in k are rows×kc, those before it in m mc×kb.
	for pc := 0; pc < k; pc += kn.kc {
		kb := min(kn.kc, k-pc)
		for ic := 0; ic < m; ic += kn.mc {
			mb := min(kn.mc, m-ic)
			packA(transA, a, lda, ic, pc, mb, kb, kn.mr, p.data[pc*rows+ic*kb:])
		}
	}
}

// SgemmPacked computes C = alpha*op(A)*B + beta*C, op(A) given packed by
// PackA (by a Workspace with the same kernel, as all of a Pool's are): the
// result of Sgemm(transA, false, …) on the unpacked A, bit for bit, without
// packing A. B is p.Cols()×n. It panics if p was packed for another kernel
// or the arguments are malformed.
func (w *Workspace) SgemmPacked(p *PackedA, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if p.kernel != w.k.name {
		panic(fmt.Sprintf("gemm: A packed for kernel %q, used with %q", p.kernel, w.k.name))
	}
	m, k := p.m, p.k
	if n < 0 {
		panic(fmt.Sprintf("gemm: negative dimension n=%d", n))
	}
	checkMatrix("B", k, n, b, ldb)
	checkMatrix("C", m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	w.packed = p
	w.gemmAs(false, false, false, m, n, k, alpha, nil, 0, b, ldb, beta, c, ldc)
	w.packed = nil
}
