//go:build !goexperiment.simd || !go1.27 || !amd64

package nn

// haveFirst16 reports that firstRow16 (AVX-512) does not exist in this
// build.
func haveFirst16() bool { return false }

func firstRow16(dst []float32, ev, od *[4][firstHalf]float32, wk []float32, bc float32) {
	panic("nn: firstRow16 without AVX-512")
}

func outputTransform16(dst []float32, r *[16][]float32, bc float32) {
	panic("nn: outputTransform16 without AVX-512")
}

func firstRows16(out []float32, base, mapStride, q int, ev, od *[4][firstHalf]float32, w, b []float32) {
	panic("nn: firstRows16 without AVX-512")
}
