//go:build goexperiment.simd && go1.27 && amd64

package nn

import "simd/archsimd"

// haveVec4 reports whether the Float32x4 kernels of vec_simd.go run here:
// on amd64 they need AVX2 (archsimd's 128-bit float operations).
func haveVec4() bool { return archsimd.X86.AVX2() }

// vecInput reports whether the input transform should use its Float32x4
// kernel (inputTilesVec): yes (BenchmarkInferenceBlock/winograd-vec).
func vecInput() bool { return true }

// firstDirect reports whether block 0 of Embed should convolve directly
// (firstPool): not on amd64, where im2col and the AVX-512 matrix kernel
// measured faster.
func firstDirect() bool { return false }

// firstWinoUse reports whether block 0 of Embed should use firstWino:
// not on amd64, where AVX-512 fuses the direct form's multiply-adds.
func firstWinoUse() bool { return false }
