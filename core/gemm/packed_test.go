package gemm

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSgemmPackedEqualsSgemm checks that a product with A packed once
// (PackA, then SgemmPacked twice, the second reusing the packing) equals
// the Workspace's Sgemm bit for bit, for every kernel and every case of
// TestSgemmMatchesGonum without a transposed B (among them shapes with
// several blocks of m and k), and that C's padding is left alone.
func TestSgemmPackedEqualsSgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := gemmCases(rng)
	cases = append(cases, gemmCase{m: 300, n: 100, k: 600, alpha: 1}, gemmCase{transA: true, m: 200, n: 50, k: 300, alpha: 0.5, beta: 1, padC: 3})
	for _, kn := range kernels() {
		w := &Workspace{k: kn}
		var p PackedA
		for _, tc := range cases {
			if tc.transB {
				continue
			}
			a, lda, b, ldb, c0, ldc := operands(rng, tc)
			want := append([]float32(nil), c0...)
			w.Sgemm(tc.transA, false, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
			w.PackA(&p, tc.transA, tc.m, tc.k, a, lda)
			for round := 0; round < 2; round++ {
				got := append([]float32(nil), c0...)
				w.SgemmPacked(&p, tc.n, tc.alpha, b, ldb, tc.beta, got, ldc)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s %v round %d: C[%d] = %g, Sgemm gives %g", kn.name, tc, round, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestSgemmPackedPanics checks that A packed for one kernel is refused by
// another, and that a short B or C panics instead of being overrun.
func TestSgemmPackedPanics(t *testing.T) {
	ks := kernels()
	plain := &Workspace{k: ks[len(ks)-1]}
	a := make([]float32, 4*3)
	var p PackedA
	plain.PackA(&p, false, 4, 3, a, 3)
	b, c := make([]float32, 3*5), make([]float32, 4*5)
	for _, tc := range []struct {
		name string
		w    *Workspace
		b, c []float32
		want string
	}{
		{"short B", plain, b[:14], c, "B has"},
		{"short C", plain, b, c[:19], "C has"},
		{"other kernel", &Workspace{k: kernel{name: "other", mr: 4, nr: 4, mc: 8, kc: 8, nc: 8}}, b, c, "packed for kernel"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), tc.want) {
					t.Errorf("%s: panic %v, want one containing %q", tc.name, r, tc.want)
				}
			}()
			tc.w.SgemmPacked(&p, 5, 1, tc.b, 5, 0, tc.c, 5)
		}()
	}
}

// TestColumnKernelEqualsMicro checks each kernel's column kernel (a column
// of tiles in one call) against its micro-kernel called tile by tile: the
// same products bit for bit, on shapes with full and edge tiles and both
// betas.
func TestColumnKernelEqualsMicro(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tested := 0
	defer func() {
		if tested == 0 {
			t.Skip("no kernel with a column kernel here (wasm has one)")
		}
	}()
	for _, kn := range kernels() {
		if kn.column == nil {
			continue
		}
		tested++
		tileByTile := kn
		tileByTile.column = nil
		for _, tc := range []gemmCase{
			{m: 64, n: 96, k: 64, alpha: 1},
			{m: 37, n: 50, k: 300, alpha: 0.5, beta: 1, padC: 2},
			{transA: true, m: 130, n: 25, k: 70, alpha: 1, beta: -0.5},
		} {
			a, lda, b, ldb, c0, ldc := operands(rng, tc)
			want := append([]float32(nil), c0...)
			got := append([]float32(nil), c0...)
			(&Workspace{k: tileByTile}).Sgemm(tc.transA, false, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
			(&Workspace{k: kn}).Sgemm(tc.transA, false, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s %v: C[%d] = %g with the column kernel, %g tile by tile", kn.name, tc, i, got[i], want[i])
				}
			}
		}
	}
}
