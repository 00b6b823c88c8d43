package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Affine is one distortion: the parameters of Koch et al.'s T. Its zero
// value is not the identity (the scales are 0); Identity is.
type Affine struct {
	Theta          float64 // rotation in radians, counter-clockwise
	ShearX, ShearY float64 // ρx, ρy
	ScaleX, ScaleY float64 // sx, sy
	TX, TY         float64 // translation in pixels (x right, y down)
}

// Identity returns the Affine that leaves an image as it is.
func Identity() Affine { return Affine{ScaleX: 1, ScaleY: 1} }

// Koch et al.'s ranges (§4.2), for strength 1.
const (
	MaxDegrees = 10.0  // |θ| in degrees
	MaxShear   = 0.3   // |ρx|, |ρy|
	MaxScale   = 0.2   // |s − 1|
	MaxShift   = 2.0   // |tx|, |ty| in pixels of a 105-pixel image
	KochSize   = 105.0 // the side of Omniglot's original images, which MaxShift is a fraction of
	Prob       = 0.5   // the probability of each component
)

// Draw returns a random Affine for images of side size pixels: each of the
// seven components, with probability Prob, uniform in Koch et al.'s range
// times strength (the translation also times size/105), and otherwise at
// its identity value. It always takes 14 values from rng (a coin and a
// value per component), so the draws of later images do not depend on
// the coins of earlier ones. It panics if strength is negative or NaN.
func Draw(rng *rand.Rand, strength float64, size int) Affine {
	if !(strength >= 0) {
		panic(fmt.Sprintf("augment: strength %v", strength))
	}
	comp := func(max float64) float64 {
		on := rng.Float64() < Prob
		v := (2*rng.Float64() - 1) * max * strength
		if !on {
			return 0
		}
		return v
	}
	shift := MaxShift * float64(size) / KochSize
	return Affine{
		Theta:  comp(MaxDegrees) * math.Pi / 180,
		ShearX: comp(MaxShear),
		ShearY: comp(MaxShear),
		ScaleX: 1 + comp(MaxScale),
		ScaleY: 1 + comp(MaxScale),
		TX:     comp(shift),
		TY:     comp(shift),
	}
}

// IsIdentity reports whether a leaves every point where it is.
func (a Affine) IsIdentity() bool { return a == Identity() }

// Matrix returns the linear part of a, M = R(θ)·H·S, row-major
// [m00 m01; m10 m11], acting on (x, y) about the centre.
func (a Affine) Matrix() [4]float64 {
	c, s := math.Cos(a.Theta), math.Sin(a.Theta)
	// H·S = [sx  ρx·sy; ρy·sx  sy]
	h00, h01, h10, h11 := a.ScaleX, a.ShearX*a.ScaleY, a.ShearY*a.ScaleX, a.ScaleY
	return [4]float64{
		c*h00 + s*h10, c*h01 + s*h11,
		-s*h00 + c*h10, -s*h01 + c*h11,
	}
}

// Apply returns where a maps the point (x, y) of an h×w image (pixel
// coordinates, x right, y down).
func (a Affine) Apply(x, y float64, h, w int) (float64, float64) {
	m := a.Matrix()
	cx, cy := float64(w-1)/2, float64(h-1)/2
	u, v := x-cx, y-cy
	return m[0]*u + m[1]*v + cx + a.TX, m[2]*u + m[3]*v + cy + a.TY
}

// Warp writes into dst the c×h×w image src distorted by a: output pixel
// p' takes the bilinear interpolation of src at a⁻¹(p'), 0 outside src.
// dst and src must not overlap. It panics if len(dst) or len(src) is not
// c·h·w or if a's linear part is singular (|det| < 1e-9).
func (a Affine) Warp(dst, src []float32, c, h, w int) {
	n := c * h * w
	if len(dst) != n || len(src) != n {
		panic(fmt.Sprintf("augment: Warp of %dx%dx%d images: src has %d values, dst %d, want %d", c, h, w, len(src), len(dst), n))
	}
	if a.IsIdentity() {
		copy(dst, src)
		return
	}
	m := a.Matrix()
	det := m[0]*m[3] - m[1]*m[2]
	if math.Abs(det) < 1e-9 || math.IsNaN(det) {
		panic(fmt.Sprintf("augment: singular affine map %+v", a))
	}
	// inverse: p = M⁻¹·(p' − c − t) + c
	i00, i01, i10, i11 := m[3]/det, -m[1]/det, -m[2]/det, m[0]/det
	cx, cy := float64(w-1)/2, float64(h-1)/2
	for y := range h {
		for x := range w {
			u, v := float64(x)-cx-a.TX, float64(y)-cy-a.TY
			sx, sy := i00*u+i01*v+cx, i10*u+i11*v+cy
			// Snap coordinates within rounding of an integer, so that a
			// quarter turn (cos 90° ≈ 6e-17) copies pixels exactly.
			if r := math.Round(sx); math.Abs(sx-r) < 1e-9 {
				sx = r
			}
			if r := math.Round(sy); math.Abs(sy-r) < 1e-9 {
				sy = r
			}
			x0, y0 := math.Floor(sx), math.Floor(sy)
			fx, fy := float32(sx-x0), float32(sy-y0)
			ix, iy := int(x0), int(y0)
			for ch := range c {
				img := src[ch*h*w : (ch+1)*h*w]
				at := func(yy, xx int) float32 {
					if yy < 0 || yy >= h || xx < 0 || xx >= w {
						return 0
					}
					return img[yy*w+xx]
				}
				top := at(iy, ix)*(1-fx) + at(iy, ix+1)*fx
				bot := at(iy+1, ix)*(1-fx) + at(iy+1, ix+1)*fx
				dst[ch*h*w+y*w+x] = top*(1-fy) + bot*fy
			}
		}
	}
}

// Images distorts, in place, each of the n c×h×w images of images with
// its own Draw(rng, strength, max(h, w)), using scratch (length at least
// c·h·w, allocated if shorter) and returning it for reuse.
func Images(images []float32, n, c, h, w int, rng *rand.Rand, strength float64, scratch []float32) []float32 {
	size := c * h * w
	if len(images) != n*size {
		panic(fmt.Sprintf("augment: %d images of %dx%dx%d, but %d values", n, c, h, w, len(images)))
	}
	if len(scratch) < size {
		scratch = make([]float32, size)
	}
	buf := scratch[:size]
	for i := range n {
		a := Draw(rng, strength, max(h, w))
		if a.IsIdentity() {
			continue
		}
		img := images[i*size : (i+1)*size]
		a.Warp(buf, img, c, h, w)
		copy(img, buf)
	}
	return scratch
}
