//go:build goexperiment.simd && go1.27 && (amd64 || wasm)

package nn

import "simd/archsimd"

// Float32x4 twins of Conv4S2's elementwise BatchNorm and ReLU loops
// (conv4s2_layers.go), for amd64 (AVX) and wasm (SIMD128); used where
// haveVec4 says the CPU runs them. Each computes exactly what its loop
// does, operation for operation (a multiply and an add are never fused),
// so the results are the same bits; TestConv4S2VecMatchesPlain checks it.
// conv4s2_novec.go has the stubs for other builds.

// reluMaskVec sets d[i] to 0 where float32(scale·z[i]) + shift ≤ 0 (the
// ReLU's output is 0 there) and leaves it elsewhere; z is at least as
// long as d.
func reluMaskVec(d, z []float32, scale, shift float32) {
	z = z[:len(d)]
	sc, sh, zero := archsimd.BroadcastFloat32x4(scale), archsimd.BroadcastFloat32x4(shift), archsimd.BroadcastFloat32x4(0)
	i := 0
	for ; i+4 <= len(d); i += 4 {
		y := archsimd.LoadFloat32x4(z[i:]).Mul(sc).Add(sh)
		archsimd.LoadFloat32x4(d[i:]).Masked(y.Greater(zero)).Store(d[i:])
	}
	for ; i < len(d); i++ {
		if !(float32(scale*z[i])+shift > 0) {
			d[i] = 0
		}
	}
}

// fillVec sets dz[i] = c0 + c1·(z[i] − mu) + k·dy[i]; z and dy are at
// least as long as dz.
func fillVec(dz, z, dy []float32, c0, c1, mu, k float32) {
	z, dy = z[:len(dz)], dy[:len(dz)]
	vc0, vc1, vmu, vk := archsimd.BroadcastFloat32x4(c0), archsimd.BroadcastFloat32x4(c1), archsimd.BroadcastFloat32x4(mu), archsimd.BroadcastFloat32x4(k)
	i := 0
	for ; i+4 <= len(dz); i += 4 {
		a := vc0.Add(archsimd.LoadFloat32x4(z[i:]).Sub(vmu).Mul(vc1))
		a.Add(archsimd.LoadFloat32x4(dy[i:]).Mul(vk)).Store(dz[i:])
	}
	for ; i < len(dz); i++ {
		dz[i] = c0 + c1*(z[i]-mu) + k*dy[i]
	}
}

// reluVec sets out[i] = max(float32(scale·z[i]) + shift, 0) (+0 or −0
// where that is not positive); z is at least as long as out.
func reluVec(out, z []float32, scale, shift float32) {
	z = z[:len(out)]
	sc, sh, zero := archsimd.BroadcastFloat32x4(scale), archsimd.BroadcastFloat32x4(shift), archsimd.BroadcastFloat32x4(0)
	i := 0
	for ; i+4 <= len(out); i += 4 {
		archsimd.LoadFloat32x4(z[i:]).Mul(sc).Add(sh).Max(zero).Store(out[i:])
	}
	for ; i < len(out); i++ {
		out[i] = max(float32(scale*z[i])+shift, 0)
	}
}

// addVec sets dst[i] += src[i]; src is at least as long as dst.
func addVec(dst, src []float32) {
	src = src[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		archsimd.LoadFloat32x4(dst[i:]).Add(archsimd.LoadFloat32x4(src[i:])).Store(dst[i:])
	}
	for ; i < len(dst); i++ {
		dst[i] += src[i]
	}
}
