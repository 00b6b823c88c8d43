package pad

import (
	"image"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestInkTail checks tailSegments: smoothing a stroke and the same stroke
// with more points gives paths that agree on all but the last
// tailSegments segments, for random strokes and up to three rounds.
func TestInkTail(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for smooth := range 4 {
		for range 200 {
			s := randomStroke(rng, 2+rng.IntN(30))
			for n := 1; n < len(s); n++ {
				a, b := s[:n].Smooth(smooth), s.Smooth(smooth)
				keep := max(0, segments(a)-tailSegments(smooth)) + 1 // points of the settled segments
				if keep > len(a) {
					keep = len(a)
				}
				if segments(a)-tailSegments(smooth) <= 0 {
					continue
				}
				if !slices.Equal(a[:keep], b[:keep]) {
					t.Fatalf("smooth %d: the first %d points of a %d-point stroke's path moved when it grew to %d points", smooth, keep, n, len(s))
				}
			}
		}
	}
}

// TestInkMatchesRasterize draws random drawings point by point, with undos
// and clears among them, and checks after every step that Ink's raster is
// exactly Rasterize's and that the pixels outside the reported rectangle
// did not change.
func TestInkMatchesRasterize(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{105, 300, 611} {
		pen := DefaultPen()
		ink := NewInk(pen, size)
		want := make([]float32, size*size)
		prev := make([]float32, size*size)
		var d Drawing
		for step := range 400 {
			switch r := rng.IntN(100); {
			case r < 4:
				d.Undo()
			case r < 6:
				d.Clear()
			case r < 20 || !d.Drawing():
				d.End()
				d.Begin(randomPoint(rng))
			case r < 25:
				d.End()
			default:
				s := d.Strokes()[len(d.Strokes())-1]
				last := s[len(s)-1]
				d.Extend(Point{last.X + rng.Float32()*8 - 4, last.Y + rng.Float32()*8 - 4})
			}
			got, changed := ink.Draw(d.Strokes(), d.Drawing())
			clear(want)
			pen.Rasterize(want, size, d.Strokes())
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("size %d, step %d: pixel (%d,%d) = %v, Rasterize makes %v", size, step, i%size, i/size, got[i], want[i])
				}
				if p := image.Pt(i%size, i/size); got[i] != prev[i] && !p.In(changed) {
					t.Fatalf("size %d, step %d: pixel %v changed outside the reported %v", size, step, p, changed)
				}
			}
			copy(prev, got)
		}
	}
}

// TestInkGrowthIsCheap checks that one more point on a long stroke redraws
// a small part of the raster, not the stroke.
func TestInkGrowthIsCheap(t *testing.T) {
	ink := NewInk(DefaultPen(), 300)
	var d Drawing
	d.Begin(Point{5, 50})
	for x := float32(6); x < 100; x++ {
		d.Extend(Point{x, 50 + 20*float32(int(x)%2)})
		ink.Draw(d.Strokes(), true)
	}
	d.Extend(Point{100, 60})
	_, changed := ink.Draw(d.Strokes(), true)
	if changed.Dx() > 60 {
		t.Errorf("one more point changed %v, %d pixels wide, of a 300-pixel raster", changed, changed.Dx())
	}
}

func randomPoint(rng *rand.Rand) Point {
	return Point{rng.Float32() * FrameSize, rng.Float32() * FrameSize}
}

func randomStroke(rng *rand.Rand, n int) Stroke {
	s := Stroke{randomPoint(rng)}
	for len(s) < n {
		s = append(s, randomPoint(rng))
	}
	return s
}

func BenchmarkInkGrow(b *testing.B) {
	var d Drawing
	d.Begin(Point{5, 50})
	for x := float32(6); x < 100; x += 0.5 {
		d.Extend(Point{x, 50 + 10*float32(int(x)%3)})
	}
	s := d.Strokes()[0]
	for b.Loop() {
		ink := NewInk(DefaultPen(), 300)
		for n := 1; n <= len(s); n++ {
			ink.Draw([]Stroke{s[:n]}, true)
		}
	}
}

func BenchmarkRasterizeEachPoint(b *testing.B) {
	var d Drawing
	d.Begin(Point{5, 50})
	for x := float32(6); x < 100; x += 0.5 {
		d.Extend(Point{x, 50 + 10*float32(int(x)%3)})
	}
	s := d.Strokes()[0]
	dst := make([]float32, 300*300)
	for b.Loop() {
		for n := 1; n <= len(s); n++ {
			clear(dst)
			DefaultPen().Rasterize(dst, 300, []Stroke{s[:n]})
		}
	}
}
