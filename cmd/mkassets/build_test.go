package main

import (
	"archive/zip"
	"bytes"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const (
	shared    = "../../../shared/data/omniglot" // the source, beside the repository
	committed = "../../assets/omniglot"
)

func needShared(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(shared, "images_evaluation.npz")); err != nil {
		t.Skipf("skipping: the original Omniglot data is not at %s (only the assets' source; a fresh clone does without): %v", shared, err)
	}
}

func TestParseNPYDict(t *testing.T) {
	h, err := parseNPYDict("{'descr': '|b1', 'fortran_order': False, 'shape': (964, 20, 105, 105), }          \n")
	if err != nil || h.Descr != "|b1" || h.FortranOrder || !slices.Equal(h.Shape, []int{964, 20, 105, 105}) {
		t.Errorf("got %+v, %v", h, err)
	}
	h, err = parseNPYDict("{'descr': '<i8', 'fortran_order': True, 'shape': (7,)}")
	if err != nil || !h.FortranOrder || !slices.Equal(h.Shape, []int{7}) {
		t.Errorf("got %+v, %v", h, err)
	}
	for _, bad := range []string{"", "{'descr': '|b1'}", "{'descr': '|b1', 'fortran_order': Maybe, 'shape': ()}", "{'shape': (1, x)}", "{'extra': 1}"} {
		if _, err := parseNPYDict(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestRegenerateIdentical rebuilds the first alphabet of each npz into a
// temporary folder and compares it with the committed assets: the check
// that "make assets" is deterministic and that the committed files are what
// the code makes. The index and licenses must match byte for byte, the
// sheets pixel for pixel, and byte for byte too under the Go release that
// wrote them (pngToolchain; other releases compress differently).
func TestRegenerateIdentical(t *testing.T) {
	needShared(t)
	out := t.TempDir()
	if _, err := build(shared, out, []string{"Arcadian", "Angelic"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Arcadian.png", "Angelic.png", "index.json", "LICENSE.omniglot", "LICENSE.splits"} {
		got, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(committed, f))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(got, want) {
			continue
		}
		if !strings.HasSuffix(f, ".png") || runtime.Version() == pngToolchain {
			t.Errorf("%s: regenerated %d bytes differ from the committed %d (run make assets and commit)", f, len(got), len(want))
			continue
		}
		g, w := decodeGray(t, got), decodeGray(t, want)
		if !g.Rect.Eq(w.Rect) || !bytes.Equal(g.Pix, w.Pix) {
			t.Errorf("%s: regenerated pixels differ from the committed ones (run make assets and commit)", f)
		}
		t.Logf("%s: same pixels; bytes compared only under %s (this is %s)", f, pngToolchain, runtime.Version())
	}
}

func decodeGray(t *testing.T, b []byte) *image.Gray {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("sheet is %T, want *image.Gray", img)
	}
	return g
}

// TestAssetsMatchNPZ compares the committed Angelic sheet with the 105×105
// originals: per image the ink mass and its centroid (which catches a
// transposed or flipped sheet), and pixels far from any ink stay paper.
func TestAssetsMatchNPZ(t *testing.T) {
	needShared(t)
	b, err := os.ReadFile(filepath.Join(committed, "Angelic.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	sheet := img.(*image.Gray)
	z, err := zip.OpenReader(filepath.Join(shared, "images_evaluation.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	a, err := openNPZArray(&z.Reader, "images")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	raw := make([]byte, 105*105)
	const k = 105.0 / 28
	var worstMass, worstShift float64
	for c := range 20 { // Angelic: the first 20 characters of the evaluation npz
		for d := range 20 {
			if _, err := io.ReadFull(a.r, raw); err != nil {
				t.Fatal(err)
			}
			var sm, sx, sy, dm, dx, dy float64
			for i, v := range raw {
				if v == 0 {
					sm++
					sx += float64(i%105) + 0.5
					sy += float64(i/105) + 0.5
				}
			}
			for y := range 28 {
				for x := range 28 {
					v := float64(sheet.Pix[(c*28+y)*sheet.Stride+d*28+x]) / 255
					dm += v
					dx += v * (float64(x) + 0.5) * k
					dy += v * (float64(y) + 0.5) * k
					if v > 0 && noInkNear(raw, x, y) {
						t.Fatalf("character %d drawer %d: pixel (%d, %d) = %v but no ink within 8 source pixels", c+1, d, y, x, v)
					}
				}
			}
			worstMass = max(worstMass, math.Abs(dm*k*k/sm-1))
			worstShift = max(worstShift, math.Hypot(dx/dm-sx/sm, dy/dm-sy/sm))
		}
	}
	if worstMass > 0.1 || worstShift > 1 {
		t.Errorf("worst ink-mass error %.1f%%, worst centroid shift %.2f source pixels; want < 10%% and < 1", 100*worstMass, worstShift)
	}
	t.Logf("Angelic, 400 images: worst ink-mass error %.2f%%, worst centroid shift %.2f source pixels", 100*worstMass, worstShift)
}

// noInkNear reports whether the 105×105 image has no ink within 8 source
// pixels of output pixel (y, x)'s area: beyond the reach of the bicubic
// kernel (2 output pixels = 7.5 source pixels).
func noInkNear(raw []byte, x, y int) bool {
	const k = 105.0 / 28
	x0, x1 := int(float64(x)*k)-8, int(float64(x+1)*k)+8
	y0, y1 := int(float64(y)*k)-8, int(float64(y+1)*k)+8
	for sy := max(y0, 0); sy <= min(y1, 104); sy++ {
		for sx := max(x0, 0); sx <= min(x1, 104); sx++ {
			if raw[sy*105+sx] == 0 {
				return false
			}
		}
	}
	return true
}

func TestBuildErrors(t *testing.T) {
	needShared(t)
	if _, err := build(shared, t.TempDir(), []string{"Klingon"}); err == nil || !strings.Contains(err.Error(), "Klingon") {
		t.Errorf("unknown alphabet: got %v", err)
	}
	if _, err := build(t.TempDir(), t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "alphabets.tsv") {
		t.Errorf("empty source: got %v", err)
	}
}
