//go:build !goexperiment.simd || !go1.27 || !(amd64 || wasm)

package nn

// Without GOEXPERIMENT=simd (or on another GOARCH) Conv4S2's elementwise
// loops run in plain Go (haveVec4 is false); these stubs of
// conv4s2_vec.go are never called.

func reluMaskVec(d, z []float32, scale, shift float32) { panic("nn: reluMaskVec without SIMD") }

func fillVec(dz, z, dy []float32, c0, c1, mu, k float32) { panic("nn: fillVec without SIMD") }

func reluVec(out, z []float32, scale, shift float32) { panic("nn: reluVec without SIMD") }

func addVec(dst, src []float32) { panic("nn: addVec without SIMD") }
