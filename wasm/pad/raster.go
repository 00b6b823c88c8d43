package pad

import (
	"fmt"
	"image"
	"math"
)

// Pen is a round pen in frame pixels.
type Pen struct {
	// Width is the pen's diameter in frame pixels.
	Width float32
	// Smooth is the number of Chaikin rounds (Stroke.Smooth) applied to
	// every stroke before it is drawn; 0 draws the points as given.
	Smooth int
}

// DefaultPen is the calibrated pen (see the package doc and
// calibration_test.go for the measurement behind it).
func DefaultPen() Pen { return Pen{Width: 5, Smooth: 2} }

// Rasterize draws strokes into dst, a size×size row-major ink raster (1 is
// ink), keeping per pixel the maximum of what is there and the pen's
// coverage. Coordinates are frame coordinates scaled by size/FrameSize, so
// the same drawing fills any raster size. Clear dst first for a fresh
// image. It panics if len(dst) != size*size.
func (p Pen) Rasterize(dst []float32, size int, strokes []Stroke) {
	if len(dst) != size*size {
		panic(fmt.Sprintf("pad: raster of %d values for size %d", len(dst), size))
	}
	scale := float32(size) / FrameSize
	r := p.Width * scale / 2
	for _, s := range strokes {
		s = s.Smooth(p.Smooth)
		for i := range s {
			a := s[i]
			b := a
			if i+1 < len(s) {
				b = s[i+1]
			} else if len(s) > 1 {
				continue
			}
			capsule(dst, size, Point{a.X * scale, a.Y * scale}, Point{b.X * scale, b.Y * scale}, r)
		}
	}
}

// capsule draws the segment ab with round caps of radius r and returns the
// rectangle of the pixels it visited.
func capsule(dst []float32, size int, a, b Point, r float32) image.Rectangle {
	x0 := max(0, int(math.Floor(float64(min(a.X, b.X)-r-1))))
	x1 := min(size-1, int(math.Ceil(float64(max(a.X, b.X)+r+1))))
	y0 := max(0, int(math.Floor(float64(min(a.Y, b.Y)-r-1))))
	y1 := min(size-1, int(math.Ceil(float64(max(a.Y, b.Y)+r+1))))
	dx, dy := b.X-a.X, b.Y-a.Y
	ll := dx*dx + dy*dy
	for y := y0; y <= y1; y++ {
		py := float32(y) + 0.5
		for x := x0; x <= x1; x++ {
			px := float32(x) + 0.5
			t := float32(0)
			if ll > 0 {
				t = min(1, max(0, ((px-a.X)*dx+(py-a.Y)*dy)/ll))
			}
			ex, ey := px-(a.X+t*dx), py-(a.Y+t*dy)
			d := float32(math.Sqrt(float64(ex*ex + ey*ey)))
			c := min(1, max(0, r-d+0.5))
			if i := y*size + x; c > dst[i] {
				dst[i] = c
			}
		}
	}
	if x0 > x1 || y0 > y1 {
		return image.Rectangle{}
	}
	return image.Rect(x0, y0, x1+1, y1+1)
}
