package preprocess

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
)

// disk returns a w×h ink image with a filled disk of radius r at (cx, cy).
func disk(w, h int, cx, cy, r float64) []float32 {
	ink := make([]float32, w*h)
	for y := range h {
		for x := range w {
			if dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy; dx*dx+dy*dy <= r*r {
				ink[y*w+x] = 1
			}
		}
	}
	return ink
}

// centroid returns the ink-weighted mean column and row (pixel centres at
// +0.5) and the total ink of a w-wide image.
func centroid(ink []float32, w int) (cx, cy, mass float64) {
	for i, v := range ink {
		cx += float64(v) * (float64(i%w) + 0.5)
		cy += float64(v) * (float64(i/w) + 0.5)
		mass += float64(v)
	}
	return cx / mass, cy / mass, mass
}

func TestResize28KeepsPositionAndMass(t *testing.T) {
	// An off-centre, off-diagonal blob catches transposed or flipped output.
	ink := disk(105, 105, 80, 25, 9)
	dst := make([]float32, Size*Size)
	Resize28(ink, 105, 105, dst)
	sx, sy, sm := centroid(ink, 105)
	dx, dy, dm := centroid(dst, Size)
	k := 105.0 / Size
	if math.Abs(dx*k-sx) > 0.5 || math.Abs(dy*k-sy) > 0.5 {
		t.Errorf("centroid moved: source (%.2f, %.2f), output×%.2f (%.2f, %.2f)", sx, sy, k, dx*k, dy*k)
	}
	if r := dm * k * k / sm; math.Abs(r-1) > 0.03 {
		t.Errorf("ink mass ratio %.4f, want 1 ± 0.03", r)
	}
	for i, v := range dst {
		if v < 0 || v > 1 {
			t.Fatalf("dst[%d] = %v outside [0, 1]", i, v)
		}
	}
	// Averaging, not point sampling: the disk's edge makes grey levels.
	var grey int
	for _, v := range dst {
		if v > 0.05 && v < 0.95 {
			grey++
		}
	}
	if grey == 0 {
		t.Error("no intermediate values: the resize does not average")
	}
}

func TestResize28ThinStrokeSurvives(t *testing.T) {
	// A 2-pixel-wide vertical line at 105 would be missed by point sampling
	// at most positions; averaged, every output row shows it.
	ink := make([]float32, 105*105)
	for y := range 105 {
		ink[y*105+51], ink[y*105+52] = 1, 1
	}
	dst := make([]float32, Size*Size)
	Resize28(ink, 105, 105, dst)
	for y := 1; y < Size-1; y++ {
		var peak float32
		for x := range Size {
			peak = max(peak, dst[y*Size+x])
		}
		if peak < 0.3 {
			t.Fatalf("row %d: line faded to %.3f", y, peak)
		}
	}
}

func TestResize28Identity(t *testing.T) {
	ink := disk(Size, Size, 10, 17, 5)
	ink[3] = 0.5
	dst := make([]float32, Size*Size)
	Resize28(ink, Size, Size, dst)
	for i := range ink {
		if math.Abs(float64(dst[i]-ink[i])) > 1.0/65535 {
			t.Fatalf("28x28 input changed at %d: %v -> %v", i, ink[i], dst[i])
		}
	}
}

func TestResize28PadsNonSquareCentred(t *testing.T) {
	// 84 wide, 42 high, all ink: padded to 84x84 with 21 rows of paper
	// above and below, i.e. output rows 7..20 inked, 0..6 and 21..27 paper.
	for _, tc := range []struct{ w, h int }{{84, 42}, {42, 84}} {
		ink := make([]float32, tc.w*tc.h)
		for i := range ink {
			ink[i] = 1
		}
		dst := make([]float32, Size*Size)
		Resize28(ink, tc.w, tc.h, dst)
		at := func(r, c int) float32 {
			if tc.w < tc.h {
				r, c = c, r
			}
			return dst[r*Size+c]
		}
		for c := range Size {
			if at(3, c) > 0.01 || at(24, c) > 0.01 {
				t.Errorf("%dx%d: padding inked at line 3 or 24, column %d", tc.w, tc.h, c)
			}
			if at(14, c) < 0.99 {
				t.Errorf("%dx%d: middle line faint at %d: %v", tc.w, tc.h, c, at(14, c))
			}
		}
	}
}

func TestResize28Panics(t *testing.T) {
	for name, f := range map[string]func(){
		"zero size":  func() { Resize28(nil, 0, 5, make([]float32, 784)) },
		"short ink":  func() { Resize28(make([]float32, 10), 5, 5, make([]float32, 784)) },
		"bad length": func() { Resize28(make([]float32, 25), 5, 5, make([]float32, 28)) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "preprocess: ") {
					t.Errorf("%s: recovered %v, want a preprocess panic", name, r)
				}
			}()
			f()
		}()
	}
}

// pictures of one ink image in the polarities FromImage accepts.
func pictures(ink []float32, w, h int) map[string]image.Image {
	bw := image.NewGray(image.Rect(0, 0, w, h))       // black on white
	wb := image.NewGray16(image.Rect(3, 5, 3+w, 5+h)) // white on black, offset bounds
	tr := image.NewNRGBA(image.Rect(0, 0, w, h))      // blue strokes on transparent
	for y := range h {
		for x := range w {
			v := ink[y*w+x]
			bw.SetGray(x, y, color.Gray{uint8(math.Round(float64(255 * (1 - v))))})
			wb.SetGray16(3+x, 5+y, color.Gray16{uint16(math.Round(float64(65535 * v)))})
			tr.SetNRGBA(x, y, color.NRGBA{0, 0, 200, uint8(math.Round(float64(255 * v)))})
		}
	}
	return map[string]image.Image{"black on white": bw, "white on black": wb, "transparent": tr}
}

func TestFromImagePolarities(t *testing.T) {
	w, h := 60, 45
	ink := disk(w, h, 20, 30, 8)
	want := make([]float32, Size*Size)
	Resize28(ink, w, h, want)
	for name, img := range pictures(ink, w, h) {
		// Through PNG, as metaglot classify reads them.
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		dec, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromImage(dec)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 2.0/255 {
				t.Fatalf("%s: pixel %d = %v, want %v", name, i, got[i], want[i])
			}
		}
	}
}

func TestFromImageErrors(t *testing.T) {
	if _, err := FromImage(image.NewGray(image.Rect(0, 0, 0, 10))); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("zero-size image: got %v, want an error saying it is empty", err)
	}
	white := image.NewGray(image.Rect(0, 0, 30, 20))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	if _, err := FromImage(white); !errors.Is(err, ErrBlank) {
		t.Errorf("white image: got %v, want ErrBlank", err)
	}
	if _, err := FromImage(image.NewNRGBA(image.Rect(0, 0, 8, 8))); !errors.Is(err, ErrBlank) {
		t.Errorf("transparent image: got %v, want ErrBlank", err)
	}
}

func BenchmarkResize28From105(b *testing.B) {
	ink := disk(105, 105, 50, 40, 20)
	dst := make([]float32, Size*Size)
	for b.Loop() {
		Resize28(ink, 105, 105, dst)
	}
}
