//go:build goexperiment.simd && go1.27 && amd64

package nn

import "simd/archsimd"

// Float64x4 twins of the float64 sums over float32 data in Conv4S2's
// BatchNorm (sums, dySums), for amd64 with AVX2. Lane j accumulates the
// elements i ≡ j (mod 4) exactly as the plain loops' jth accumulator
// does, and the lanes are combined in the same order, so the results are
// the same bits (TestConv4S2VecMatchesPlain). conv4s2_sum_other.go has
// the stubs for other builds.

// haveSum4 reports whether sums4 and dySums4 run here.
func haveSum4() bool { return archsimd.X86.AVX2() }

// sums4 is sums for float32 data: Σx and Σx² in float64.
func sums4(x []float32) (s, ss float64) {
	var sv, qv archsimd.Float64x4
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := archsimd.LoadFloat32x4(x[i:]).ConvertToFloat64()
		sv = sv.Add(v)
		qv = qv.Add(v.Mul(v))
	}
	var sa, qa [4]float64
	sv.StoreArray(&sa)
	qv.StoreArray(&qa)
	for ; i < len(x); i++ {
		a := float64(x[i])
		sa[0], qa[0] = sa[0]+a, qa[0]+a*a
	}
	return (sa[0] + sa[1]) + (sa[2] + sa[3]), (qa[0] + qa[1]) + (qa[2] + qa[3])
}

// dySums4 is dySums for float32 data: Σd and Σd·(z − mu) in float64.
func dySums4(d, z []float32, mu float64) (sdy, sdyx float64) {
	z = z[:len(d)]
	m := archsimd.BroadcastFloat64x4(mu)
	var sv, qv archsimd.Float64x4
	i := 0
	for ; i+4 <= len(d); i += 4 {
		y := archsimd.LoadFloat32x4(d[i:]).ConvertToFloat64()
		sv = sv.Add(y)
		qv = qv.Add(y.Mul(archsimd.LoadFloat32x4(z[i:]).ConvertToFloat64().Sub(m)))
	}
	var sa, qa [4]float64
	sv.StoreArray(&sa)
	qv.StoreArray(&qa)
	for ; i < len(d); i++ {
		y := float64(d[i])
		sa[0] += y
		qa[0] += y * (float64(z[i]) - mu)
	}
	return (sa[0] + sa[1]) + (sa[2] + sa[3]), (qa[0] + qa[1]) + (qa[2] + qa[3])
}
