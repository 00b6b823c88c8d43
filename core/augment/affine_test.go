package augment

import (
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/episode"
)

// testImage returns a c×h×w image with distinct values.
func testImage(c, h, w int) []float32 {
	img := make([]float32, c*h*w)
	for i := range img {
		img[i] = float32(i%97) / 97
	}
	return img
}

func TestIdentityCopies(t *testing.T) {
	src := testImage(2, 28, 28)
	dst := make([]float32, len(src))
	Identity().Warp(dst, src, 2, 28, 28)
	for i := range src {
		if dst[i] != src[i] {
			t.Fatalf("identity: pixel %d = %v, want %v", i, dst[i], src[i])
		}
	}
	// A zero shear, rotation and shift with scale 1 written out by hand
	// takes the general path only if it is not the identity: a tiny shift
	// of 0 must not move anything either.
	a := Identity()
	a.TX = 0
	a.Warp(dst, src, 2, 28, 28)
	for i := range src {
		if dst[i] != src[i] {
			t.Fatalf("zero shift: pixel %d moved", i)
		}
	}
}

// A turn by 90° is episode.Rotate's quarter turn, for square images of
// even and odd sides.
func TestQuarterTurnIsRotate(t *testing.T) {
	for _, n := range []int{28, 5} {
		src := testImage(1, n, n)
		for k := 1; k <= 3; k++ {
			want := make([]float32, len(src))
			episode.Rotate(want, src, 1, n, n, k)
			got := make([]float32, len(src))
			a := Identity()
			a.Theta = float64(k) * math.Pi / 2
			a.Warp(got, src, 1, n, n)
			for i := range want {
				if math.Abs(float64(got[i]-want[i])) > 1e-6 {
					t.Fatalf("%dx%d, %d quarter turns: pixel %d = %v, Rotate gives %v", n, n, k, i, got[i], want[i])
				}
			}
		}
	}
}

// A known translation and a known small rotation move a known pixel.
func TestKnownPixels(t *testing.T) {
	const h, w = 28, 28
	src := make([]float32, h*w)
	src[10*w+7] = 1 // row 10, column 7
	dst := make([]float32, h*w)

	a := Identity()
	a.TX, a.TY = 3, -2 // 3 right, 2 up
	a.Warp(dst, src, 1, h, w)
	if dst[8*w+10] != 1 || sum(dst) != 1 {
		t.Errorf("shift (3, −2): pixel (row 8, col 10) = %v, total ink %v, want 1 and 1", dst[8*w+10], sum(dst))
	}

	// A half-pixel shift splits the ink between two pixels.
	a = Identity()
	a.TX = 0.5
	a.Warp(dst, src, 1, h, w)
	if dst[10*w+7] != 0.5 || dst[10*w+8] != 0.5 {
		t.Errorf("shift 0.5: pixels (10, 7), (10, 8) = %v, %v, want 0.5 and 0.5", dst[10*w+7], dst[10*w+8])
	}

	// Turning by 10° about the centre (13.5, 13.5) takes the point
	// (x 7, y 10), at (−6.5, −3.5) from the centre, to
	// (cos·u + sin·v, −sin·u + cos·v) from it: check Apply against that
	// by hand, and that Warp puts the pixel's ink around there.
	a = Identity()
	a.Theta = 10 * math.Pi / 180
	x, y := a.Apply(7, 10, h, w)
	c, s := math.Cos(a.Theta), math.Sin(a.Theta)
	wx, wy := 13.5+c*-6.5+s*-3.5, 13.5-s*-6.5+c*-3.5
	if math.Abs(x-wx) > 1e-12 || math.Abs(y-wy) > 1e-12 {
		t.Fatalf("Apply(7, 10) = (%v, %v), want (%v, %v)", x, y, wx, wy)
	}
	// Counter-clockwise on screen, a point left of and above the centre
	// swings down (larger y).
	if !(y > 10) {
		t.Errorf("10° counter-clockwise moved (7, 10) to y %v, want below row 10", y)
	}
	a.Warp(dst, src, 1, h, w)
	best, bi := float32(0), -1
	for i, v := range dst {
		if v > best {
			best, bi = v, i
		}
	}
	if bx, by := bi%w, bi/w; math.Abs(float64(bx)-x) > 1 || math.Abs(float64(by)-y) > 1 {
		t.Errorf("10°: most ink at (x %d, y %d), want within a pixel of (%.2f, %.2f)", bx, by, x, y)
	}
}

// Scaling by 2 about the centre doubles distances from it.
func TestScale(t *testing.T) {
	a := Identity()
	a.ScaleX, a.ScaleY = 2, 0.5
	x, y := a.Apply(3.5, 1.5, 28, 28) // (−10, −12) from the centre
	if x != 13.5-20 || y != 13.5-6 {
		t.Errorf("scale (2, 0.5): (3.5, 1.5) went to (%v, %v), want (−6.5, 7.5)", x, y)
	}
	a = Identity()
	a.ShearX = 0.5
	x, y = a.Apply(13.5, 17.5, 28, 28) // (0, 4) from the centre
	if x != 15.5 || y != 17.5 {
		t.Errorf("shear ρx 0.5: (13.5, 17.5) went to (%v, %v), want (15.5, 17.5)", x, y)
	}
}

func sum(v []float32) float32 {
	var s float32
	for _, x := range v {
		s += x
	}
	return s
}

func TestDrawRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ident := 0
	on := map[string]int{}
	const n = 20000
	for range n {
		a := Draw(rng, 1, 105)
		if a.IsIdentity() {
			ident++
		}
		switch {
		case math.Abs(a.Theta) > 10*math.Pi/180, math.Abs(a.ShearX) > 0.3, math.Abs(a.ShearY) > 0.3,
			math.Abs(a.ScaleX-1) > 0.2, math.Abs(a.ScaleY-1) > 0.2, math.Abs(a.TX) > 2, math.Abs(a.TY) > 2:
			t.Fatalf("out of Koch et al.'s ranges: %+v", a)
		}
		if a.Theta != 0 {
			on["theta"]++
		}
		if a.TX != 0 {
			on["tx"]++
		}
	}
	// each component with probability 0.5; all off with 0.5⁷ = 0.0078
	for k, c := range on {
		if p := float64(c) / n; math.Abs(p-0.5) > 0.02 {
			t.Errorf("%s included in %.3f of draws, want 0.5", k, p)
		}
	}
	if p := float64(ident) / n; math.Abs(p-1.0/128) > 0.003 {
		t.Errorf("identity in %.4f of draws, want 1/128", p)
	}
	// the translation scales with the image: ±2·28/105 px at 28
	for range 1000 {
		if a := Draw(rng, 1, 28); math.Abs(a.TX) > 2*28.0/105 {
			t.Fatalf("28-pixel image shifted by %v", a.TX)
		}
	}
	// strength 0 draws the identity
	if a := Draw(rng, 0, 28); !a.IsIdentity() {
		t.Errorf("strength 0: %+v", a)
	}
}

func TestImagesDeterministic(t *testing.T) {
	const n, h, w = 6, 28, 28
	base := make([]float32, n*h*w)
	for i := range base {
		base[i] = float32(i%13) / 13
	}
	run := func(seed, stream uint64) []float32 {
		img := append([]float32(nil), base...)
		Images(img, n, 1, h, w, rand.New(rand.NewPCG(seed, stream)), 1, nil)
		return img
	}
	a, b, c := run(1, 5), run(1, 5), run(1, 6)
	same, diff := true, false
	for i := range a {
		same = same && a[i] == b[i]
		diff = diff || a[i] != c[i]
	}
	if !same {
		t.Error("the same stream distorted differently")
	}
	if !diff {
		t.Error("two streams distorted alike")
	}
	changed := false
	for i := range a {
		changed = changed || a[i] != base[i]
	}
	if !changed {
		t.Error("nothing distorted")
	}
}

func TestWarpPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"short dst": func() { Identity().Warp(make([]float32, 3), make([]float32, 4), 1, 2, 2) },
		"singular":  func() { a := Identity(); a.ScaleX = 0; a.Warp(make([]float32, 4), make([]float32, 4), 1, 2, 2) },
		"strength":  func() { Draw(rand.New(rand.NewPCG(1, 1)), -1, 28) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
