package preprocess

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
)

// ErrBlank is returned (wrapped) by FromImage for an image without ink.
var ErrBlank = errors.New("image has no ink")

// ErrTooLarge is returned (wrapped) by DecodePNG and FromImage for an
// image of more than MaxPixels pixels.
var ErrTooLarge = fmt.Errorf("image has more than %d pixels (4096×4096)", MaxPixels)

// MaxPixels is the largest image, width×height, that DecodePNG and
// FromImage accept: 16 Mpixel, e.g. 4096×4096, far more than a drawing
// needs. It bounds their memory: the decoded image takes at most 8 bytes a
// pixel (16-bit RGBA), 128 MiB, and FromImage 4 bytes a pixel more (one
// float32), 64 MiB.
const MaxPixels = 1 << 24

// tooLarge reports whether a w×h image exceeds MaxPixels (without
// overflowing for any w, h).
func tooLarge(w, h int) bool { return w > 0 && h > MaxPixels/w }

// DecodePNG decodes the PNG that r holds. It reads the header first and
// refuses an image of more than MaxPixels with an error wrapping
// ErrTooLarge before decoding any pixel, so a small file that claims a
// huge image costs nothing. Other errors are those of image/png.
func DecodePNG(r io.Reader) (image.Image, error) {
	var head bytes.Buffer
	cfg, err := png.DecodeConfig(io.TeeReader(r, &head))
	if err != nil {
		return nil, err
	}
	if tooLarge(cfg.Width, cfg.Height) {
		return nil, fmt.Errorf("preprocess: %dx%d PNG: %w", cfg.Width, cfg.Height, ErrTooLarge)
	}
	return png.Decode(io.MultiReader(&head, r))
}

// FromImage returns the 28×28 network input (row-major, 1 = ink) for a
// picture of a drawing of any size, through the same path as Resize28.
//
// The polarity is decided from the pixels on the image's border, taken to
// be paper:
//   - if the border is mostly transparent (mean alpha < 1/2), ink is the
//     opacity of each pixel: strokes of any colour on a transparent sheet;
//   - otherwise each pixel is composited over white and its luminance L
//     (Rec. 601 weights) taken; ink is 1−L when the border is light (mean
//     L ≥ 1/2: dark ink on light paper) and L when it is dark (light ink on
//     dark paper).
//
// It returns an error for an image with no pixels, one wrapping
// ErrTooLarge for more than MaxPixels, and one wrapping ErrBlank when no
// pixel carries ink (all ink values below 1/255). Besides the result it
// allocates one float32 per pixel.
func FromImage(img image.Image) ([]float32, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("preprocess: image is empty (%dx%d pixels)", max(w, 0), max(h, 0))
	}
	if tooLarge(w, h) {
		return nil, fmt.Errorf("preprocess: %dx%d image: %w", w, h, ErrTooLarge)
	}
	rgba := rgbaOf(img)
	// The border first: it decides the polarity.
	var borderLum, borderAlpha float64
	var nBorder int
	border := func(x, y int) {
		l, a := lumAlpha(rgba(x, y))
		borderLum += l
		borderAlpha += float64(a)
		nBorder++
	}
	for x := b.Min.X; x < b.Max.X; x++ {
		border(x, b.Min.Y)
		if h > 1 {
			border(x, b.Max.Y-1)
		}
	}
	for y := b.Min.Y + 1; y < b.Max.Y-1; y++ {
		border(b.Min.X, y)
		if w > 1 {
			border(b.Max.X-1, y)
		}
	}
	alphaInk := borderAlpha/float64(nBorder) < 0.5
	lightPaper := borderLum/float64(nBorder) >= 0.5
	ink := make([]float32, w*h)
	var peak float32
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := ink[(y-b.Min.Y)*w : (y-b.Min.Y+1)*w]
		for x := b.Min.X; x < b.Max.X; x++ {
			l, a := lumAlpha(rgba(x, y))
			v := float32(min(l, 1))
			switch {
			case alphaInk:
				v = a
			case lightPaper:
				v = 1 - v
			}
			row[x-b.Min.X] = v
			peak = max(peak, v)
		}
	}
	if peak < 1.0/255 {
		return nil, fmt.Errorf("preprocess: %dx%d image: %w", w, h, ErrBlank)
	}
	dst := make([]float32, Size*Size)
	Resize28(ink, w, h, dst)
	return dst, nil
}

// rgbaOf returns a function giving img's alpha-premultiplied colour at
// (x, y), 0..0xffff: through RGBA64At when img has it (every image type of
// the standard library), which unlike At allocates nothing.
func rgbaOf(img image.Image) func(x, y int) (r, g, b, a uint32) {
	if m, ok := img.(image.RGBA64Image); ok {
		return func(x, y int) (r, g, b, a uint32) {
			c := m.RGBA64At(x, y)
			return uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
		}
	}
	return func(x, y int) (r, g, b, a uint32) { return img.At(x, y).RGBA() }
}

// lumAlpha returns the luminance of a premultiplied colour composited over
// white (Rec. 601 weights; up to a rounding above 1) and its opacity.
func lumAlpha(r, g, b, a uint32) (float64, float32) {
	// Over white: c + (1 − a) for each premultiplied channel.
	paper := 0xffff - a
	l := (0.299*float64(r+paper) + 0.587*float64(g+paper) + 0.114*float64(b+paper)) / 0xffff
	return l, float32(a) / 0xffff
}
