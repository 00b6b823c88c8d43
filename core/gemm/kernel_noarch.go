//go:build !goexperiment.simd || !go1.27 || !(amd64 || wasm)

package gemm

// archKernels returns no kernels: without GOEXPERIMENT=simd, with a Go
// older than 1.27 (whose experimental simd API differs) or on a GOARCH the
// simd kernels do not cover, only the plain-Go kernel exists.
func archKernels() []kernel { return nil }
