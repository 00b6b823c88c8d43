package trainview

import (
	"image"
	"strings"
	"testing"

	"metaglot/wasm/trainer/protocol"
)

// oneShot is a 1-shot snapshot as the worker sends it: support images,
// prototypes, queries, then the user's drawings. Each 1-shot support
// embedding is its class's prototype, at the same place.
func oneShot() *protocol.Snapshot {
	s := &protocol.Snapshot{Way: 2, Shot: 1, Query: 1, Classes: []string{"Latin 3", "Latin 9"},
		Support: make([]byte, 2*784), Queries: make([]byte, 2*784), Pred: []int{0, 0}, UserClasses: []string{"circle"}}
	s.Support[784+100] = 255 // marks support image 1
	s.Queries[784+200] = 255 // marks query 1
	pts := []protocol.Point{
		{X: 0, Y: 0, Kind: protocol.SupportPoint, Class: 0}, {X: 4, Y: 0, Kind: protocol.SupportPoint, Class: 1},
		{X: 0, Y: 0, Kind: protocol.PrototypePoint, Class: 0}, {X: 4, Y: 0, Kind: protocol.PrototypePoint, Class: 1},
		{X: 0, Y: 3, Kind: protocol.QueryPoint, Class: 0}, {X: 4, Y: 3, Kind: protocol.QueryPoint, Class: 1},
		{X: 2, Y: -3, Kind: protocol.UserPoint, Class: 0}, {X: 2.5, Y: -3, Kind: protocol.UserPoint, Class: 0},
	}
	s.Points = pts
	return s
}

// TestEmbeddingLabelsAndPoints: a 1-shot support dot shows at its
// prototype's centre instead of hiding under it; each prototype carries
// its class number and the user's class its name; a hover finds the point
// and says which drawing it is.
func TestEmbeddingLabelsAndPoints(t *testing.T) {
	s := oneShot()
	b := image.Rect(0, 0, 300, 300)
	img := image.NewRGBA(b)
	DrawEmbedding(img, s, 1, 0)
	l := NewEmbeddingLayout(b, s, 1)
	x, y := l.At(s.Points[2])
	if got := img.RGBAAt(int(x), int(y)); got != ink {
		t.Errorf("the prototype's centre is %v: the 1-shot support's dot is hidden", got)
	}
	// The label right of prototype 1 ("1") and of the user's class.
	px, py := l.At(s.Points[3])
	if n := countIn(img, image.Rect(int(px)+9, int(py)-4, int(px)+20, int(py)+10), ink); n == 0 {
		t.Error("no class number beside prototype 1")
	}
	ux, uy := l.At(s.Points[6])
	if n := countIn(img, image.Rect(int(ux)+9, int(uy)-4, int(ux)+9+6*7, int(uy)+10), ink); n < 20 {
		t.Errorf("the user's class name: %d ink pixels", n)
	}

	for _, tc := range []struct {
		dx, dy float64
		point  int
		text   string
		img    int // the image's marked pixel, −1: none
	}{
		{0, 0, 1, "Support image 1 of class 1 (Latin 9).", 100}, // on top of its prototype
		{0, 7, 3, "Prototype of class 1 (Latin 9): the mean of its 1 support embeddings.", -1},
		{0, 200, -1, "", -1},
	} {
		i := PointAt(b, s, 1, px+tc.dx, py+tc.dy)
		if i != tc.point {
			t.Errorf("at +%v,+%v of prototype 1: point %d, want %d", tc.dx, tc.dy, i, tc.point)
			continue
		}
		if i < 0 {
			continue
		}
		text, pic, _ := PointInfo(s, i)
		if text != tc.text || (tc.img >= 0) != (pic != nil) || (pic != nil && pic[tc.img] != 255) {
			t.Errorf("point %d: %q, image %v", i, text, pic != nil)
		}
	}
	qx, qy := l.At(s.Points[5])
	if text, _, _ := PointInfo(s, PointAt(b, s, 1, qx, qy)); text != "Query 1 of class 1 (Latin 9), taken for class 0 (Latin 3)." {
		t.Errorf("query: %q", text)
	}
	vx, vy := l.At(s.Points[7])
	if text, pic, j := PointInfo(s, PointAt(b, s, 1, vx+1, vy)); !strings.HasPrefix(text, "Example 2 of your class “circle”") || pic != nil || j != 1 {
		t.Errorf("user point: %q %d", text, j)
	}
	// At device scale 2 the same CSS offsets find the same points.
	b2 := image.Rect(0, 0, 600, 600)
	x2, y2 := NewEmbeddingLayout(b2, s, 2).At(s.Points[3])
	if PointAt(b2, s, 2, x2, y2+14) != 3 || PointAt(nil2(), nil, 1, 0, 0) != -1 {
		t.Error("scale 2, or no snapshot")
	}
}

func nil2() image.Rectangle { return image.Rect(0, 0, 10, 10) }

func countIn(img *image.RGBA, r image.Rectangle, c interface{ RGBA() (r, g, b, a uint32) }) int {
	n := 0
	r0, g0, b0, _ := c.RGBA()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := img.At(x, y).RGBA()
			if r1 == r0 && g1 == g0 && b1 == b0 {
				n++
			}
		}
	}
	return n
}

// TestEmbeddingLabelsForARoom: with the text doubled (TextFactor 2, a
// projector or Large text) the user's class name beside its diamond is
// written twice as large — its ink at least 18 pixels high, 9 at 1 — and
// whole even at the picture's bottom edge, where it is moved up.
func TestEmbeddingLabelsForARoom(t *testing.T) {
	b := image.Rect(0, 0, 400, 400)
	for _, bottom := range []bool{false, true} {
		s := &protocol.Snapshot{Way: 2, Shot: 1, UserClasses: []string{"circle"}, Points: []protocol.Point{
			{X: 0, Y: 0, Kind: protocol.PrototypePoint, Class: 0}, {X: 4, Y: 0, Kind: protocol.PrototypePoint, Class: 1},
			{X: 2, Y: 2, Kind: protocol.UserPoint, Class: 0}, {X: 2, Y: -2, Kind: protocol.PrototypePoint, Class: 2},
		}}
		if bottom {
			s.Points[2].Y, s.Points[3].Y = -2, 2
		}
		var inks [2]int
		for i, f := range []int{1, 2} {
			img := image.NewRGBA(b)
			DrawEmbedding(img, s, 1, f)
			x, y := NewEmbeddingLayout(b, s, 1).At(s.Points[2])
			// Right of the diamond, as high as the label can be moved.
			r := image.Rect(int(x)+9, int(y)-4-14*f, int(x)+9+(6*7+2)*f, int(y)-4+14*f)
			hs := runs(img, r, ink)
			if len(hs) != 1 || hs[0] < 9*f {
				t.Errorf("text ×%d, bottom %v: the class name's ink rows %v, want one run ≥ %d", f, bottom, hs, 9*f)
			}
			inks[i] = countIn(img, r, ink)
		}
		if inks[1] != 4*inks[0] {
			t.Errorf("bottom %v: %d ink pixels at ×2, %d at ×1: want 4 times as many (the whole label)", bottom, inks[1], inks[0])
		}
	}
}
