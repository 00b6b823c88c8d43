package mann

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestVec32: the float32 dot and axpy (vector kernels where the CPU has
// them) agree with plain loops for every length around the vector width,
// with y longer than x (axpy touches only len(x) values).
func TestVec32(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for n := 1; n <= 50; n++ {
		a, b := make([]float32, n), make([]float32, n+3)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
		}
		for i := range b {
			b[i] = float32(rng.NormFloat64())
		}
		got, want := dot(a, b), dotPlain(a, b)
		if math.Abs(float64(got-want)) > 1e-5*(1+math.Abs(float64(want))) {
			t.Errorf("n=%d: dot %v, plain %v", n, got, want)
		}
		y1, y2 := append([]float32(nil), b...), append([]float32(nil), b...)
		axpy(y1, 0.7, a)
		axpyPlain(y2, 0.7, a)
		for i := range y1 {
			if math.Abs(float64(y1[i]-y2[i])) > 1e-6*(1+math.Abs(float64(y2[i]))) {
				t.Fatalf("n=%d: axpy[%d] = %v, plain %v", n, i, y1[i], y2[i])
			}
		}
	}
	if dot([]float32{}, nil) != 0 {
		t.Error("dot of empty slices is not 0")
	}
}
