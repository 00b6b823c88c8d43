package pad

import (
	"math"
	"testing"
)

func TestRasterizeHorizontalLine(t *testing.T) {
	const size = 20
	dst := make([]float32, size*size)
	pen := Pen{Width: 2}
	// A line through row 10's centres from column 4 to 15 of a 20-pixel
	// raster (frame coordinates scale by 105/20).
	s := float32(FrameSize) / size
	pen.Width = 2 * s // 2 raster pixels wide
	pen.Rasterize(dst, size, []Stroke{{{4.5 * s, 10.5 * s}, {15.5 * s, 10.5 * s}}})
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			v := dst[y*size+x]
			inside := y == 10 && x >= 4 && x <= 15
			outside := y < 9 || y > 11 || x < 2 || x > 17
			if inside && v != 1 {
				t.Errorf("pixel (%d,%d) = %v, want full ink on the line", y, x, v)
			}
			if outside && v != 0 {
				t.Errorf("pixel (%d,%d) = %v, want paper far from the line", y, x, v)
			}
		}
	}
	// Rows 9 and 11 are at distance 1 = the radius: half covered.
	if v := dst[9*size+8]; math.Abs(float64(v)-0.5) > 1e-5 {
		t.Errorf("edge pixel = %v, want 0.5", v)
	}
}

func TestRasterizeDot(t *testing.T) {
	dst := make([]float32, FrameSize*FrameSize)
	Pen{Width: 5}.Rasterize(dst, FrameSize, []Stroke{{{50.5, 60.5}}})
	var ink int
	for _, v := range dst {
		if v >= 0.5 {
			ink++
		}
	}
	// A disc of radius 2.5 covers about π·2.5² ≈ 19.6 pixels.
	if ink < 17 || ink > 23 {
		t.Errorf("dot has %d ink pixels, want about 20", ink)
	}
	if dst[60*FrameSize+50] != 1 {
		t.Errorf("dot centre not inked")
	}
}

func TestRasterizeClipsOutsideFrame(t *testing.T) {
	dst := make([]float32, FrameSize*FrameSize)
	Pen{Width: 5}.Rasterize(dst, FrameSize, []Stroke{{{-50, -50}, {200, 200}}})
	if dst[0] != 1 || dst[len(dst)-1] != 1 {
		t.Errorf("diagonal through the frame should ink both corners")
	}
}

func TestRasterizePanicsOnSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a raster of the wrong size")
		}
	}()
	DefaultPen().Rasterize(make([]float32, 10), 4, nil)
}

func TestSmoothKeepsEnds(t *testing.T) {
	s := Stroke{{0, 0}, {10, 0}, {10, 10}}
	got := s.Smooth(2)
	if got[0] != s[0] || got[len(got)-1] != s[2] {
		t.Fatalf("ends moved: %v", got)
	}
	if len(got) <= len(s) {
		t.Fatalf("smoothing added no points: %v", got)
	}
	// The corner is cut: no point of the smoothed stroke is at (10, 0).
	for _, p := range got {
		if p == (Point{10, 0}) {
			t.Fatalf("corner kept: %v", got)
		}
	}
	if got.Length() >= s.Length() {
		t.Errorf("cut corners should shorten the path: %v ≥ %v", got.Length(), s.Length())
	}
	if two := (Stroke{{0, 0}, {1, 1}}).Smooth(3); len(two) != 2 {
		t.Errorf("a segment should stay a segment, got %v", two)
	}
}

func TestDrawing(t *testing.T) {
	var d Drawing
	if !d.Empty() || d.Undo() {
		t.Fatal("zero Drawing should be empty with nothing to undo")
	}
	d.Extend(Point{1, 1}) // no open stroke: ignored
	d.Begin(Point{1, 1})
	d.Extend(Point{1.1, 1}) // too close: dropped
	d.Extend(Point{5, 1})
	if !d.Drawing() || !d.End() || d.End() {
		t.Fatal("Begin/End state wrong")
	}
	d.Begin(Point{3, 3})
	d.End()
	if n := len(d.Strokes()); n != 2 {
		t.Fatalf("%d strokes, want 2", n)
	}
	if got := d.Strokes()[0]; len(got) != 2 {
		t.Fatalf("first stroke %v, want 2 points", got)
	}
	if !d.Undo() || len(d.Strokes()) != 1 {
		t.Fatal("Undo should remove the last stroke")
	}
	d.Clear()
	if !d.Empty() {
		t.Fatal("Clear left strokes")
	}
}

// TestDrawingLimits: a drawing stops taking ink at MaxStrokes strokes and
// MaxPoints points a stroke, the limits a classes document reads back.
func TestDrawingLimits(t *testing.T) {
	var d Drawing
	d.Begin(Point{X: 0, Y: 0})
	for i := range 2 * MaxPoints {
		d.Extend(Point{X: float32(i % 100), Y: float32(i / 100)})
	}
	if n := len(d.Strokes()[0]); n != MaxPoints {
		t.Errorf("stroke of %d points, want at most %d", n, MaxPoints)
	}
	d.End()
	for range MaxStrokes + 5 {
		d.Begin(Point{X: 1, Y: 1})
		d.Extend(Point{X: 9, Y: 9})
		d.End()
	}
	if n := len(d.Strokes()); n != MaxStrokes || !d.Full() {
		t.Errorf("%d strokes (full %v), want %d", n, d.Full(), MaxStrokes)
	}
	if d.Drawing() {
		t.Error("a stroke is open on a full drawing")
	}
	d.Undo()
	if d.Full() {
		t.Error("still full after an undo")
	}
}
