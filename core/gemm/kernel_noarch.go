//go:build !goexperiment.simd || !(amd64 || wasm)

package gemm

// archKernels returns no kernels: without GOEXPERIMENT=simd (or on a
// GOARCH the simd kernels do not cover) only the plain-Go kernel exists.
func archKernels() []kernel { return nil }
