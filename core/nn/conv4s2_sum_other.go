//go:build !goexperiment.simd || !go1.27 || !amd64

package nn

// Without GOEXPERIMENT=simd on amd64, Conv4S2's float64 sums run in plain
// Go (haveSum4 is false); these stubs of conv4s2_sum_amd64.go are never
// called.

func haveSum4() bool { return false }

func sums4(x []float32) (s, ss float64) { panic("nn: sums4 without SIMD") }

func dySums4(d, z []float32, mu float64) (sdy, sdyx float64) { panic("nn: dySums4 without SIMD") }
