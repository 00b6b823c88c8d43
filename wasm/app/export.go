package app

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"

	"metaglot/core/preprocess"
	"metaglot/wasm/pad"
)

// File is a file for the page to offer as a download.
type File struct {
	Name string
	MIME string
	Data []byte
}

// ExportClasses returns the classes as the JSON file "Export JSON" offers.
func (s *State) ExportClasses() File {
	s.Message = fmt.Sprintf("Exported %d classes.", s.Classes.Len())
	return File{Name: "metaglot-classes.json", MIME: "application/json", Data: s.Saved()}
}

// ExportPad returns pad p's drawing as a black-on-white PNG of the
// 105×105 Omniglot frame, or, for the query pad showing a real drawing
// (QueryImage), that 28×28 drawing. An empty pad gives no file (ok false)
// and a message.
func (s *State) ExportPad(p Pad) (f File, ok bool) {
	var img *image.Gray
	switch {
	case p == QueryPad && s.QueryImage != nil:
		img = grayOf(s.QueryImage, preprocess.Size)
	case s.Pad(p).Empty():
		s.Message = "Nothing to export: the " + p.String() + " pad is empty."
		return File{}, false
	default:
		ink := make([]float32, pad.FrameSize*pad.FrameSize)
		s.Pen.Rasterize(ink, pad.FrameSize, s.Pad(p).Strokes())
		img = grayOf(ink, pad.FrameSize)
	}
	data, err := encodePNG(img)
	if err != nil {
		s.Message = "PNG export failed: " + err.Error()
		return File{}, false
	}
	s.Message = "Exported the " + p.String() + " drawing as PNG."
	return File{Name: "metaglot-" + p.String() + ".png", MIME: "image/png", Data: data}, true
}

// ExportClass returns the examples of class i side by side as one PNG,
// each in a 105×105 frame: drawings as drawn, real 28×28 drawings
// enlarged (nearest neighbour). A class without examples, or an i out of
// range, gives no file (ok false).
func (s *State) ExportClass(i int) (f File, ok bool) {
	if i < 0 || i >= s.Classes.Len() {
		return File{}, false
	}
	c := s.Classes.Class(i)
	if len(c.Examples) == 0 {
		s.Message = c.Name + " has no examples to export."
		return File{}, false
	}
	const fs, n = pad.FrameSize, preprocess.Size
	sheet := image.NewGray(image.Rect(0, 0, fs*len(c.Examples), fs))
	ink := make([]float32, fs*fs)
	for j, e := range c.Examples {
		clear(ink)
		if len(e.Strokes) > 0 {
			s.Pen.Rasterize(ink, fs, e.Strokes)
		} else {
			for y := range fs {
				for x := range fs {
					ink[y*fs+x] = e.Image[(y*n/fs)*n+x*n/fs]
				}
			}
		}
		for k, v := range ink {
			sheet.SetGray(j*fs+k%fs, k/fs, grayLevel(v))
		}
	}
	data, err := encodePNG(sheet)
	if err != nil {
		s.Message = "PNG export failed: " + err.Error()
		return File{}, false
	}
	s.Message = fmt.Sprintf("Exported %s as PNG.", Plural(len(c.Examples), "example"))
	return File{Name: "metaglot-" + strings.ReplaceAll(c.Name, " ", "_") + ".png", MIME: "image/png", Data: data}, true
}

// grayOf returns a size×size ink raster (1 = ink) as black ink on white.
func grayOf(ink []float32, size int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i, v := range ink {
		img.SetGray(i%size, i/size, grayLevel(v))
	}
	return img
}

// grayLevel is the grey of ink coverage v: 0 white, 1 (or more) black.
func grayLevel(v float32) color.Gray {
	return color.Gray{Y: uint8(255 - math.Round(float64(min(1, max(0, v)))*255))}
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Plural returns "1 example", "3 examples".
func Plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
