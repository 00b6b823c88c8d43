package app

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"strings"
	"testing"

	"metaglot/core/preprocess"
	"metaglot/wasm/pad"
)

// maxDiff returns the largest difference between two images.
func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// A class sheet exported as PNG, dropped on another class, gives back the
// same drawings (to the PNG's 8 bits), one example per frame; a single
// drawing as PNG or JPEG can be the query, classified as the drawing.
func TestImageFiles(t *testing.T) {
	s := newState(t)
	s.AddClass()
	circle(s, DrawPad, 30)
	s.AddExample()
	cross(s, DrawPad, 26)
	s.AddExample()
	bar(s, DrawPad, 28)
	s.AddExample()
	sheet, ok := s.ExportClass(0)
	if !ok {
		t.Fatal(s.Message)
	}
	s.AddClass()
	if !s.AddImageFile(1, sheet.Name, sheet.Data) {
		t.Fatalf("sheet not added: %q", s.Message)
	}
	if n := len(s.Classes.Class(1).Examples); n != 3 {
		t.Fatalf("the sheet of 3 drawings gave %d examples: %q", n, s.Message)
	}
	for j := range 3 {
		if d := maxDiff(s.ExampleImage(0, j), s.ExampleImage(1, j)); d > 2.0/255 {
			t.Errorf("drawing %d: the sheet's copy differs by %.4f from the drawn example", j+1, d)
		}
	}
	if !strings.Contains(s.Message, "Added 3 drawings from metaglot-Class_1.png to Class 2") {
		t.Errorf("message %q", s.Message)
	}

	// The query from a PNG of a drawn circle, then from a JPEG of it.
	circle(s, QueryPad, 29)
	drawn := append([]float64(nil), s.Result.Probs...)
	want := make([]float32, 784)
	s.Preview(QueryPad, want)
	png, ok := s.ExportPad(QueryPad)
	if !ok {
		t.Fatal(s.Message)
	}
	s.Clear(QueryPad)
	if !s.QueryImageFile("q.png", png.Data) || !s.HaveResult || s.QueryLabel != "q.png" || !s.Query.Empty() {
		t.Fatalf("PNG query: result %v, label %q: %q", s.HaveResult, s.QueryLabel, s.Message)
	}
	if d := maxDiff(s.QueryImage, want); d > 2.0/255 {
		t.Errorf("PNG query differs by %.4f from the drawn one", d)
	}
	for c := range drawn {
		if math.Abs(drawn[c]-s.Result.Probs[c]) > 0.01 {
			t.Errorf("class %d: %.4f from the PNG, %.4f drawn", c, s.Result.Probs[c], drawn[c])
		}
	}
	img, err := preprocess.DecodePNG(bytes.NewReader(png.Data))
	if err != nil {
		t.Fatal(err)
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if !s.QueryImageFile("q.jpg", jb.Bytes()) || !s.HaveResult {
		t.Fatalf("JPEG query: %q", s.Message)
	}
	if d := maxDiff(s.QueryImage, want); d > 0.05 {
		t.Errorf("JPEG query differs by %.4f from the drawn one", d)
	}
	// A class sheet is not a query.
	if s.QueryImageFile(sheet.Name, sheet.Data) || !strings.Contains(s.Message, "holds 3 drawings") {
		t.Errorf("a sheet as the query: %q", s.Message)
	}
}

// Files that are not drawings, or do not fit, add nothing and say why,
// naming the file.
func TestImageFilesRefused(t *testing.T) {
	s := newState(t)
	s.AddClass()
	blank := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	blankPNG, err := encodePNG(blank)
	if err != nil {
		t.Fatal(err)
	}
	// A sheet of 21 frames: more than a class holds.
	wide := image.NewGray(image.Rect(0, 0, 21*pad.FrameSize, pad.FrameSize))
	for i := range wide.Pix {
		wide.Pix[i] = 255
	}
	for j := range 21 {
		wide.SetGray(j*pad.FrameSize+50, 50, color.Gray{})
	}
	widePNG, err := encodePNG(wide)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"a.gif", []byte("GIF89a\x01\x00\x01\x00"), "Not added: a.gif: not a PNG or JPEG image."},
		{"b.png", []byte("\x89PNG\r\n\x1a\nbroken"), "Not added: b.png: not a readable PNG"},
		{"c.jpg", []byte{0xff, 0xd8, 0xff, 0}, "Not added: c.jpg: not a readable JPEG"},
		{"blank.png", blankPNG, "Not added: blank.png: preprocess: 40x30 image: image has no ink."},
		{"wide.png", widePNG, "Not added: wide.png holds 21 drawings, and Class 1 has room for 20 more"},
	} {
		if s.AddImageFile(0, c.name, c.data) || !strings.HasPrefix(s.Message, c.want) || s.Classes.Examples() != 0 {
			t.Errorf("%s: added, or %q, want %q", c.name, s.Message, c.want)
		}
	}
	if s.QueryImageFile("blank.png", blankPNG) || s.QueryImage != nil || !strings.Contains(s.Message, "blank.png") {
		t.Errorf("blank query: %q", s.Message)
	}
	if err := CheckImageFile("huge.png", MaxImageFileBytes+1); err == nil || !strings.HasPrefix(err.Error(), "huge.png: ") {
		t.Errorf("huge file: %v", err)
	}
}
