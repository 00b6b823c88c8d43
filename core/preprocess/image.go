package preprocess

import (
	"errors"
	"fmt"
	"image"
)

// ErrBlank is returned (wrapped) by FromImage for an image without ink.
var ErrBlank = errors.New("image has no ink")

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
// It returns an error for an image with no pixels, and one wrapping
// ErrBlank when no pixel carries ink (all ink values below 1/255).
func FromImage(img image.Image) ([]float32, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("preprocess: image is empty (%dx%d pixels)", max(w, 0), max(h, 0))
	}
	lum := make([]float32, w*h)
	alpha := make([]float32, w*h)
	var borderLum, borderAlpha float64
	var nBorder int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA() // alpha-premultiplied, 0..0xffff
			// Over white: c + (1 − a) for each premultiplied channel.
			paper := 0xffff - a
			l := (0.299*float64(r+paper) + 0.587*float64(g+paper) + 0.114*float64(bl+paper)) / 0xffff
			i := (y-b.Min.Y)*w + (x - b.Min.X)
			lum[i] = float32(min(l, 1))
			alpha[i] = float32(a) / 0xffff
			if x == b.Min.X || x == b.Max.X-1 || y == b.Min.Y || y == b.Max.Y-1 {
				borderLum += l
				borderAlpha += float64(alpha[i])
				nBorder++
			}
		}
	}
	ink := lum
	switch {
	case borderAlpha/float64(nBorder) < 0.5:
		ink = alpha
	case borderLum/float64(nBorder) >= 0.5:
		for i, l := range lum {
			ink[i] = 1 - l
		}
	}
	var peak float32
	for _, v := range ink {
		peak = max(peak, v)
	}
	if peak < 1.0/255 {
		return nil, fmt.Errorf("preprocess: %dx%d image: %w", w, h, ErrBlank)
	}
	dst := make([]float32, Size*Size)
	Resize28(ink, w, h, dst)
	return dst, nil
}
