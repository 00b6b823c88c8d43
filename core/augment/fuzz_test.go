package augment

import (
	"math"
	"testing"
)

// FuzzWarp: any invertible affine map gives finite pixels, each a convex
// combination of source pixels and paper (0): within [min(0, src), max(0,
// src)].
func FuzzWarp(f *testing.F) {
	f.Add(0.1, 0.2, -0.1, 1.1, 0.9, 0.5, -0.3, uint8(3), uint8(5))
	f.Add(math.Pi/2, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, uint8(1), uint8(28))
	f.Add(-3.0, 0.3, 0.3, 0.8, 1.2, 2.0, -2.0, uint8(2), uint8(7))
	f.Fuzz(func(t *testing.T, theta, rx, ry, sx, sy, tx, ty float64, c, n uint8) {
		ch, side := int(c%3)+1, int(n%30)+1
		a := Affine{Theta: theta, ShearX: rx, ShearY: ry, ScaleX: sx, ScaleY: sy, TX: tx, TY: ty}
		for _, v := range []float64{theta, rx, ry, sx, sy, tx, ty} {
			if math.IsNaN(v) || math.Abs(v) > 1e6 {
				return
			}
		}
		m := a.Matrix()
		if det := m[0]*m[3] - m[1]*m[2]; math.Abs(det) < 1e-6 {
			return
		}
		src := testImage(ch, side, side)
		for i := range src {
			src[i] -= 0.3 // some negative values
		}
		lo, hi := float32(0), float32(0)
		for _, v := range src {
			lo, hi = min(lo, v), max(hi, v)
		}
		dst := make([]float32, len(src))
		a.Warp(dst, src, ch, side, side)
		for i, v := range dst {
			if v != v || v < lo-1e-5 || v > hi+1e-5 {
				t.Fatalf("%+v on %dx%dx%d: pixel %d = %v outside [%v, %v]", a, ch, side, side, i, v, lo, hi)
			}
		}
	})
}
