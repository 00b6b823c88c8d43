package gemm_test

import (
	"fmt"

	"metaglot/core/gemm"
)

// C = A·B for a 2×3 A and a 3×2 B, all row-major with minimal strides.
func ExampleSgemm() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		1, 0,
		0, 1,
		1, 1,
	}
	c := make([]float32, 2*2)
	gemm.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	// Output: [4 5 10 11]
}

// C += Aᵀ·B with a Workspace, which keeps its buffers between calls.
func ExampleWorkspace_Sgemm() {
	w := gemm.NewWorkspace()
	a := []float32{ // stored 2×3, used as its 3×2 transpose
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{ // 2×2
		1, 0,
		0, 1,
	}
	c := []float32{ // 3×2, accumulated into (beta = 1)
		1, 1,
		1, 1,
		1, 1,
	}
	w.Sgemm(true, false, 3, 2, 2, 1, a, 3, b, 2, 1, c, 2)
	fmt.Println(c)
	// Output: [2 5 3 6 4 7]
}

// squares fills out[i] = in[i]² in parallel. Its For body is a method
// value bound once in newSquares, so each call allocates nothing.
type squares struct {
	in, out []float32
	body    func(worker, lo, hi int)
}

func newSquares(in []float32) *squares {
	s := &squares{in: in, out: make([]float32, len(in))}
	s.body = s.run
	return s
}

func (s *squares) run(worker, lo, hi int) {
	for i := lo; i < hi; i++ {
		s.out[i] = s.in[i] * s.in[i]
	}
}

func ExamplePool_For() {
	p := gemm.NewPool(2)
	defer p.Close()
	s := newSquares([]float32{1, 2, 3, 4, 5})
	p.For(len(s.in), s.body)
	fmt.Println(s.out)
	// Output: [1 4 9 16 25]
}
