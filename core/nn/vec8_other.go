//go:build !goexperiment.simd || !go1.27 || !amd64

package nn

// haveVec8 reports that inputTilesVec8 (AVX2) does not exist in this build.
func haveVec8() bool { return false }

func inputTilesVec8(v []float32, k, st, vld int, x []float32, base, mapStride, cin, q, tx0, run int) {
	panic("nn: inputTilesVec8 without AVX2")
}
