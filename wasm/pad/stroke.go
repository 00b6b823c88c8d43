package pad

import "math"

// FrameSize is the side of the Omniglot image frame, in pixels.
const FrameSize = 105

// Point is a pen position in frame coordinates (see the package doc).
type Point struct{ X, Y float32 }

// Stroke is the path of the pen between touching the surface and lifting
// it. A stroke of one point is a dot.
type Stroke []Point

// Length returns the length of the polyline through s's points.
func (s Stroke) Length() float32 {
	var n float64
	for i := 1; i < len(s); i++ {
		n += math.Hypot(float64(s[i].X-s[i-1].X), float64(s[i].Y-s[i-1].Y))
	}
	return float32(n)
}

// Smooth returns s after iter rounds of Chaikin corner cutting: each
// segment's inner quarter points replace its corners, so sharp pixel steps
// from a mouse or a coarse digitiser round off while the end points stay.
// Strokes of fewer than three points are returned as copies.
func (s Stroke) Smooth(iter int) Stroke {
	out := append(Stroke(nil), s...)
	for ; iter > 0 && len(out) >= 3; iter-- {
		next := make(Stroke, 0, 2*len(out))
		next = append(next, out[0])
		for i := 0; i+1 < len(out); i++ {
			a, b := out[i], out[i+1]
			q := Point{0.75*a.X + 0.25*b.X, 0.75*a.Y + 0.25*b.Y}
			r := Point{0.25*a.X + 0.75*b.X, 0.25*a.Y + 0.75*b.Y}
			if i > 0 {
				next = append(next, q)
			}
			if i+2 < len(out) {
				next = append(next, r)
			}
		}
		next = append(next, out[len(out)-1])
		out = next
	}
	return out
}
