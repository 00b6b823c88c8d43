//go:build !goexperiment.simd || !go1.27 || !(amd64 || wasm)

package nn

// Without GOEXPERIMENT=simd (or on another GOARCH) only the plain-Go
// transforms of winograd.go exist; these stubs are never called.

func haveVec4() bool { return false }

func vecInput() bool { return false }

func outputTransformVec(dst []float32, r *[16][]float32, bc float32) {
	panic("nn: outputTransformVec without SIMD")
}

func inputTilesVec(v []float32, k, st, vld int, x []float32, base, mapStride, cin, q, tx0, run int) {
	panic("nn: inputTilesVec without SIMD")
}

func firstRowVec(dst []float32, ev, od [][firstHalf]float32, wk []float32, bc float32) {
	panic("nn: firstRowVec without SIMD")
}

func firstDirect() bool { return false }

func firstWinoVec(out []float32, ph *[4][4][firstPhase]float32, v *[4][16][4]float32, u, b []float32, mapStride, rowOff, q int) {
	panic("nn: firstWinoVec without SIMD")
}

// firstWinoUse reports whether block 0 of Embed should use firstWino:
// not without SIMD.
func firstWinoUse() bool { return false }
