//go:build goexperiment.simd && go1.27 && wasm

package nn

// haveVec4 reports whether the Float32x4 kernels of vec_simd.go run here:
// every wasm engine that runs Go's output has SIMD128.
func haveVec4() bool { return true }

// vecInput reports whether the input transform should use its Float32x4
// column kernel: under wasm it does (BenchmarkInferenceBlock: about 10 %
// faster for the block than the plain loop).
func vecInput() bool { return true }

// firstDirect reports whether block 0 of Embed should convolve directly
// (firstPool): under wasm it does, 2.5 times faster than im2col.
func firstDirect() bool { return true }

// firstWinoUse reports whether block 0 of Embed should use firstWino:
// under wasm it does: without fused multiply-add it needs about 40 % fewer
// operations than the direct form (BenchmarkInferenceBlock/first-wino).
func firstWinoUse() bool { return true }
