package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// sgemmFunc is the signature every implementation under test shares.
type sgemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// implementations returns one Sgemm per kernel this CPU can run, as a
// single-threaded Workspace (with the default dot width and with the dot
// algorithm off) and as Pools of 2 and 3 threads, plus the package-level
// Sgemm.
func implementations(t testing.TB) (names []string, fns []sgemmFunc, closers []func()) {
	names = append(names, "Sgemm")
	fns = append(fns, Sgemm)
	for _, kn := range kernels() {
		w := &Workspace{k: kn}
		names = append(names, "Workspace/"+kn.name)
		fns = append(fns, w.Sgemm)
		packed := &Workspace{k: kn}
		packed.SetDotThin(1) // thin products packed too
		names = append(names, "WorkspaceNoDot/"+kn.name)
		fns = append(fns, packed.Sgemm)
		for _, threads := range []int{2, 3} {
			p := newPoolWith(threads, kn)
			names = append(names, fmt.Sprintf("Pool%d/%s", threads, kn.name))
			fns = append(fns, p.Sgemm)
			closers = append(closers, p.Close)
		}
	}
	return names, fns, closers
}

// gemmCase is one product to check.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	padA, padB     int // extra row stride beyond the minimum
	padC           int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%g beta=%g pad=%d,%d,%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.padA, tc.padB, tc.padC)
}

// gemmCases returns edge shapes (0, 1, odd, around the tile and block
// sizes) crossed with the four transpose combinations and several
// alpha/beta pairs, plus random shapes.
func gemmCases(rng *rand.Rand) []gemmCase {
	var cs []gemmCase
	type shape struct{ m, n, k int }
	shapes := []shape{
		{0, 0, 0}, {0, 5, 3}, {4, 0, 3}, {3, 5, 0}, {1, 1, 1}, {1, 7, 1}, {7, 1, 3},
		{4, 32, 8}, {5, 33, 9}, {3, 17, 31}, {13, 15, 17}, {64, 64, 9}, {129, 3, 5},
		{6, 1025, 2}, {2, 40, 257}, {37, 70, 300}, {5, 9, 2100},
	}
	abs := [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}, {0, 0.5}, {2.5, 0}, {0, 0}}
	for i, s := range shapes {
		for tr := 0; tr < 4; tr++ {
			for j, ab := range abs {
				if (i+j+tr)%2 == 1 && s.m*s.n*s.k > 1000 {
					continue // keep the big shapes to half of the pairs
				}
				cs = append(cs, gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: s.m, n: s.n, k: s.k,
					alpha: ab[0], beta: ab[1], padA: (i + tr) % 3, padB: (j + tr) % 2, padC: i % 2})
			}
		}
	}
	for range 40 {
		cs = append(cs, gemmCase{transA: rng.IntN(2) == 1, transB: rng.IntN(2) == 1,
			m: rng.IntN(80), n: rng.IntN(150), k: rng.IntN(300),
			alpha: float32(rng.NormFloat64()), beta: []float32{0, 1, float32(rng.NormFloat64())}[rng.IntN(3)],
			padA: rng.IntN(4), padB: rng.IntN(4), padC: rng.IntN(4)})
	}
	return cs
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// operands returns random A, B and C for tc with their strides; when beta
// is 0, C holds NaN, which a correct gemm never reads.
func operands(rng *rand.Rand, tc gemmCase) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ra, ca := tc.m, tc.k
	if tc.transA {
		ra, ca = tc.k, tc.m
	}
	rb, cb := tc.k, tc.n
	if tc.transB {
		rb, cb = tc.n, tc.k
	}
	lda, ldb, ldc = max(1, ca)+tc.padA, max(1, cb)+tc.padB, max(1, tc.n)+tc.padC
	a = randSlice(rng, ra*lda)
	b = randSlice(rng, rb*ldb)
	c = randSlice(rng, tc.m*ldc)
	if tc.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	return a, lda, b, ldb, c, ldc
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// TestSgemmMatchesGonum runs every implementation on every case and
// compares with gonum's reference Sgemm. The tolerance allows for float32
// rounding in a different summation order (and fused multiply-adds):
// a few ulps of the sum of |terms|.
func TestSgemmMatchesGonum(t *testing.T) {
	names, fns, closers := implementations(t)
	t.Logf("implementations under test: %v", names)
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range gemmCases(rng) {
		a, lda, b, ldb, c0, ldc := operands(rng, tc)
		want := append([]float32(nil), c0...)
		blas32.Implementation().Sgemm(trans(tc.transA), trans(tc.transB), tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
		// bound[i] = |alpha|*sum|a||b| + |beta*c|, the scale of the rounding error.
		bound := make([]float32, len(c0))
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				var s float64
				for p := 0; p < tc.k; p++ {
					var av, bv float32
					if tc.transA {
						av = a[p*lda+i]
					} else {
						av = a[i*lda+p]
					}
					if tc.transB {
						bv = b[j*ldb+p]
					} else {
						bv = b[p*ldb+j]
					}
					s += math.Abs(float64(av) * float64(bv))
				}
				s *= math.Abs(float64(tc.alpha))
				if tc.beta != 0 {
					s += math.Abs(float64(tc.beta * c0[i*ldc+j]))
				}
				bound[i*ldc+j] = float32(s)
			}
		}
		for f, fn := range fns {
			got := append([]float32(nil), c0...)
			fn(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
			if msg := compare(got, want, bound, tc.m, tc.n, ldc, tc.k); msg != "" {
				t.Fatalf("%s, %v: %s", names[f], tc, msg)
			}
		}
	}
}

// compare returns a description of the first element of got that differs
// from want by more than the rounding tolerance, or "" if none does.
// Elements of C outside the m×n matrix (the stride padding) must be
// untouched.
func compare(got, want, bound []float32, m, n, ldc, k int) string {
	tol := float32(4*(k+2)) * 0x1p-24
	for i := range got {
		inside := i/ldc < m && i%ldc < n
		g, w := got[i], want[i]
		if !inside {
			if math.Float32bits(g) != math.Float32bits(w) {
				return fmt.Sprintf("padding element %d changed: %g, was %g", i, g, w)
			}
			continue
		}
		if math.IsNaN(float64(g)) || math.Abs(float64(g-w)) > float64(tol*bound[i]+1e-30) {
			return fmt.Sprintf("C[%d][%d] = %g, want %g (tolerance %g)", i/ldc, i%ldc, g, w, tol*bound[i])
		}
	}
	return ""
}

// TestKernelsAgree checks that the pool splits do not change results: a
// Pool computes every element exactly as a single Workspace with the same
// kernel does.
func TestPoolBitwiseEqualsWorkspace(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kn := range kernels() {
		w := &Workspace{k: kn}
		p := newPoolWith(3, kn)
		for _, tc := range []gemmCase{
			{m: 64, n: 700, k: 300, alpha: 1, beta: 0},
			{transB: true, m: 64, n: 90, k: 600, alpha: 1, beta: 1},
			{transA: true, m: 300, n: 70, k: 64, alpha: 0.5, beta: 0},
			{transB: true, m: 9, n: 64, k: 3000, alpha: 1, beta: 1}, // thin: dot kernel
			{transB: true, m: 64, n: 9, k: 3000, alpha: 1, beta: 0},
		} {
			a, lda, b, ldb, c0, ldc := operands(rng, tc)
			want := append([]float32(nil), c0...)
			got := append([]float32(nil), c0...)
			w.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
			p.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s %v: pool C[%d] = %g, workspace %g", kn.name, tc, i, got[i], want[i])
				}
			}
		}
		p.Close()
	}
}

// TestSgemmPanics checks that malformed arguments panic with a gemm:
// message instead of writing out of bounds.
func TestSgemmPanics(t *testing.T) {
	a := make([]float32, 6) // 2×3
	b := make([]float32, 12)
	c := make([]float32, 8)
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"negative m", func() { Sgemm(false, false, -1, 4, 3, 1, a, 3, b, 4, 0, c, 4) }},
		{"lda too small", func() { Sgemm(false, false, 2, 4, 3, 1, a, 2, b, 4, 0, c, 4) }},
		{"ldb too small transposed", func() { Sgemm(false, true, 2, 4, 3, 1, a, 3, b, 2, 0, c, 4) }},
		{"C too short", func() { Sgemm(false, false, 2, 4, 3, 1, a, 3, b, 4, 0, c[:7], 4) }},
		{"A too short", func() { Sgemm(false, false, 2, 4, 3, 1, a[:5], 3, b, 4, 0, c, 4) }},
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || len(s) < 6 || s[:6] != "gemm: " {
					t.Errorf("%s: recovered %v, want a gemm: panic", tc.name, r)
				}
			}()
			tc.call()
		}()
	}
}

// TestWorkspaceZeroAlloc checks that a warmed-up Workspace allocates
// nothing per call.
func TestWorkspaceZeroAlloc(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	w := NewWorkspace()
	tc := gemmCase{m: 37, n: 70, k: 300, alpha: 1, beta: 0.5}
	a, lda, b, ldb, c, ldc := operands(rng, tc)
	allocs := testing.AllocsPerRun(10, func() {
		w.Sgemm(false, false, tc.m, tc.n, tc.k, 1, a, lda, b, ldb, 0.5, c, ldc)
	})
	if allocs != 0 {
		t.Errorf("Workspace.Sgemm: %v allocations per call, want 0", allocs)
	}
}

// SetDotThin moves a thin C = A·Bᵀ product between the two algorithms:
// 8 rows go to the dot kernel by default, to the packed one from
// SetDotThin(8), and back with SetDotThin(0).
func TestSetDotThin(t *testing.T) {
	for _, kn := range kernels() {
		if kn.dot == nil {
			continue
		}
		rng := rand.New(rand.NewPCG(3, 3))
		tc := gemmCase{transB: true, m: 8, n: 40, k: 30, alpha: 1}
		a, lda, b, ldb, c, ldc := operands(rng, tc)
		w := &Workspace{k: kn}
		usedDot := func(thin int) bool {
			w.SetDotThin(thin)
			w.dotOut = [8]float32{}
			w.Sgemm(false, true, tc.m, tc.n, tc.k, 1, a, lda, b, ldb, 0, c, ldc)
			return w.dotOut != [8]float32{}
		}
		if !usedDot(0) || usedDot(8) || !usedDot(9) || !usedDot(0) {
			t.Errorf("%s: an 8-row product's algorithm does not follow SetDotThin", kn.name)
		}
	}
}
