package preprocess

import (
	"fmt"
	"image"

	"github.com/nfnt/resize"
)

// Size is the side of the network's input image: 28 pixels.
const Size = 28

// filter is the nfnt/resize kernel of Resize28; see the package
// documentation for why.
const filter = resize.Bicubic

// Resize28 writes into dst (length 28×28, row-major) the network input for
// the ink image ink of w×h values (row-major, in [0, 1], 1 = ink). A
// non-square image is first padded with paper to a centred square. Values
// outside [0, 1] (and NaN, as 0) are clamped. ink and dst may not alias.
//
// Resize28 allocates its working images; it is meant for one drawing at a
// time, not for a training loop. It panics if w or h is not positive, if
// len(ink) != w*h or if len(dst) != 28*28.
func Resize28(ink []float32, w, h int, dst []float32) {
	if w <= 0 || h <= 0 {
		panic(fmt.Sprintf("preprocess: image size %dx%d is not positive", w, h))
	}
	if len(ink) != w*h {
		panic(fmt.Sprintf("preprocess: %d ink values for a %dx%d image", len(ink), w, h))
	}
	if len(dst) != Size*Size {
		panic(fmt.Sprintf("preprocess: destination has %d values, want %d", len(dst), Size*Size))
	}
	s := max(w, h)
	ox, oy := (s-w)/2, (s-h)/2
	src := image.NewGray16(image.Rect(0, 0, s, s))
	for y := range h {
		row := src.Pix[(oy+y)*src.Stride+2*ox:]
		for x, v := range ink[y*w : (y+1)*w] {
			u := to16(v)
			row[2*x] = uint8(u >> 8)
			row[2*x+1] = uint8(u)
		}
	}
	out, ok := resize.Resize(Size, Size, src, filter).(*image.Gray16)
	if !ok || out.Bounds().Dx() != Size || out.Bounds().Dy() != Size {
		// nfnt/resize returns a Gray16 of the asked size for a Gray16.
		panic("preprocess: resize did not return a 28x28 Gray16 image")
	}
	for y := range Size {
		row := out.Pix[y*out.Stride:]
		for x := range Size {
			u := uint16(row[2*x])<<8 | uint16(row[2*x+1])
			dst[y*Size+x] = float32(u) / 65535
		}
	}
}

// to16 maps an ink value in [0, 1] to 0..65535, rounding; values outside
// the range and NaN are clamped (NaN to 0).
func to16(v float32) uint16 {
	switch {
	case !(v > 0):
		return 0
	case v >= 1:
		return 65535
	}
	return uint16(v*65535 + 0.5)
}
