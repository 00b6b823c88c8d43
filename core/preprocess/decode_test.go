package preprocess

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// pngHeader returns a PNG file of a w×h image of the given bit depth and
// colour type whose pixel data is a single zero byte: a few dozen bytes
// that claim any size.
func pngHeader(w, h uint32, depth, colorType byte) []byte {
	var b bytes.Buffer
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colorType
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte{0})
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// TestDecodePNGRefusesHuge: a 70-byte PNG claiming 60000×60000 16-bit RGBA
// (28.8 GB decoded) is refused from its header, before any pixel buffer is
// allocated (png.Decode alone dies of a fatal out-of-memory error).
func TestDecodePNGRefusesHuge(t *testing.T) {
	for _, size := range [][2]uint32{{60000, 60000}, {4097, 4096}, {1 << 30, 1}, {1, 1 << 30}} {
		data := pngHeader(size[0], size[1], 16, 6)
		_, err := DecodePNG(bytes.NewReader(data))
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "PNG") {
			t.Errorf("%dx%d PNG (%d bytes): error %v, want ErrTooLarge", size[0], size[1], len(data), err)
		}
	}
}

// TestDecodePNG: images up to MaxPixels decode as png.Decode decodes them,
// the edge case included; a truncated one is an error.
func TestDecodePNG(t *testing.T) {
	for _, r := range []image.Rectangle{image.Rect(0, 0, 28, 20), image.Rect(0, 0, 4096, 4096), image.Rect(0, 0, MaxPixels, 1)} {
		img := image.NewGray(r)
		img.SetGray(3, 0, color.Gray{Y: 200})
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		got, err := DecodePNG(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%v: %v", r, err)
		}
		if got.Bounds() != r || got.(*image.Gray).GrayAt(3, 0).Y != 200 {
			t.Errorf("%v: decoded %v, pixel %v", r, got.Bounds(), got.At(3, 0))
		}
		if _, err := DecodePNG(bytes.NewReader(buf.Bytes()[:buf.Len()-20])); err == nil {
			t.Errorf("%v truncated: no error", r)
		}
	}
}

// huge is an image that only claims a size: At is never to be called.
type huge struct{ w, h int }

func (h huge) ColorModel() color.Model { return color.GrayModel }
func (h huge) Bounds() image.Rectangle { return image.Rect(0, 0, h.w, h.h) }
func (h huge) At(x, y int) color.Color { panic("huge.At called") }

// TestFromImageTooLarge: FromImage refuses more than MaxPixels before
// reading or allocating anything, whatever the product of the sides.
func TestFromImageTooLarge(t *testing.T) {
	for _, h := range []huge{{60000, 60000}, {MaxPixels + 1, 1}, {1 << 62, 1 << 62}} {
		if _, err := FromImage(h); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%dx%d: error %v, want ErrTooLarge", h.w, h.h, err)
		}
	}
}

// FuzzDecodePNG feeds DecodePNG and FromImage arbitrary bytes: they must
// never panic, never accept more than MaxPixels, and FromImage's result is
// 28×28 values in [0, 1].
func FuzzDecodePNG(f *testing.F) {
	f.Add(pngHeader(60000, 60000, 16, 6))
	f.Add(pngHeader(3, 2, 8, 0))
	f.Add(pngHeader(2, 2, 1, 3))
	for _, img := range []image.Image{
		image.NewGray(image.Rect(0, 0, 5, 3)),
		image.NewNRGBA(image.Rect(0, 0, 4, 4)),
		image.NewRGBA64(image.Rect(0, 0, 2, 7)),
		image.NewPaletted(image.Rect(0, 0, 3, 3), color.Palette{color.White, color.Black}),
	} {
		if p, ok := img.(*image.Paletted); ok {
			p.Pix[4] = 1
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodePNG(bytes.NewReader(data))
		if err != nil {
			return
		}
		if b := img.Bounds(); tooLarge(b.Dx(), b.Dy()) {
			t.Fatalf("accepted a %v image", b)
		}
		x, err := FromImage(img)
		if err != nil {
			return
		}
		if len(x) != Size*Size {
			t.Fatalf("%d values", len(x))
		}
		for _, v := range x {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("value %v out of [0, 1]", v)
			}
		}
	})
}
