package gemm

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// The benchmark shapes are the GEMMs of the second conv layer of Conv4
// (64 filters of 64×3×3 on 14×14 maps) for a batch of 50 images, computed
// as im2col + GEMM: K = 576, B·HW = 50·196 = 9800.
//
//	Forward:  Y[64×9800] = W[64×576] · col[576×9800]
//	Weights:  dW[64×576] = dY[64×9800] · col^T      (transB, long k)
//	WeightsT: dWᵀ[576×64] = col · dY^T              (transB, long k)
//	Input:    dcol[576×9800] = W^T · dY[64×9800]    (transA, k = 64)
//
// Run with -cpu=1,2: gonum's Sgemm and the Pool both use GOMAXPROCS
// threads; the Workspace rows are single-threaded whatever -cpu says.
func BenchmarkConvForward(b *testing.B)  { benchShapes(b, false, false, 64, 9800, 576) }
func BenchmarkConvWeights(b *testing.B)  { benchShapes(b, false, true, 64, 576, 9800) }
func BenchmarkConvWeightsT(b *testing.B) { benchShapes(b, false, true, 576, 64, 9800) }
func BenchmarkConvInput(b *testing.B)    { benchShapes(b, true, false, 576, 9800, 64) }

func benchShapes(b *testing.B, transA, transB bool, m, n, k int) {
	rng := rand.New(rand.NewPCG(1, 1))
	ra, ca := m, k
	if transA {
		ra, ca = k, m
	}
	rb, cb := k, n
	if transB {
		rb, cb = n, k
	}
	a, bm, c := randSlice(rng, ra*ca), randSlice(rng, rb*cb), make([]float32, m*n)
	flops := 2 * float64(m) * float64(n) * float64(k)
	run := func(name string, fn sgemmFunc) {
		b.Run(name, func(b *testing.B) {
			fn(transA, transB, m, n, k, 1, a, ca, bm, cb, 0, c, n) // warm up buffers
			b.ResetTimer()
			for b.Loop() {
				fn(transA, transB, m, n, k, 1, a, ca, bm, cb, 0, c, n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
	impl := blas32.Implementation()
	run("gonum", func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		impl.Sgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	})
	for _, kn := range kernels() {
		run("workspace-"+kn.name, (&Workspace{k: kn}).Sgemm)
	}
	p := NewPool(0)
	defer p.Close()
	run("pool-"+p.Kernel(), p.Sgemm)
}
