package app

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"

	"metaglot/wasm/classes"
	"metaglot/wasm/pad"
)

func decodeGray(t *testing.T, f File) *image.Gray {
	t.Helper()
	if f.MIME != "image/png" {
		t.Fatalf("%s: MIME %q", f.Name, f.MIME)
	}
	img, err := png.Decode(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("%s is %T, want 8-bit grey", f.Name, img)
	}
	return g
}

// A drawn pad exports as its 105×105 frame: black where the stroke ran,
// white elsewhere.
func TestExportPad(t *testing.T) {
	s := newState(t)
	if _, ok := s.ExportPad(DrawPad); ok || !strings.Contains(s.Message, "draw pad is empty") {
		t.Fatalf("empty pad exported, message %q", s.Message)
	}
	bar(s, DrawPad, 30) // a vertical stroke through x = 52, y 22…82
	f, ok := s.ExportPad(DrawPad)
	if !ok || f.Name != "metaglot-draw.png" || s.Message != "Exported the draw drawing as PNG." {
		t.Fatalf("export: ok %v, %q, message %q", ok, f.Name, s.Message)
	}
	g := decodeGray(t, f)
	if b := g.Bounds(); b.Dx() != pad.FrameSize || b.Dy() != pad.FrameSize {
		t.Fatalf("size %v, want the %d×%d frame", b, pad.FrameSize, pad.FrameSize)
	}
	if y := g.GrayAt(52, 52).Y; y > 10 {
		t.Errorf("on the stroke: grey %d, want black", y)
	}
	for _, p := range [][2]int{{10, 52}, {95, 52}, {52, 5}, {52, 100}} {
		if y := g.GrayAt(p[0], p[1]).Y; y != 255 {
			t.Errorf("off the stroke at %v: grey %d, want white", p, y)
		}
	}
}

// A real drawing chosen as the query exports at its own 28×28.
func TestExportQueryImage(t *testing.T) {
	s := newState(t)
	img := make([]float32, 28*28)
	img[3*28+5] = 1
	s.QueryImage = img
	f, ok := s.ExportPad(QueryPad)
	if !ok || f.Name != "metaglot-query.png" {
		t.Fatalf("ok %v, %q: %s", ok, f.Name, s.Message)
	}
	g := decodeGray(t, f)
	if g.Bounds().Dx() != 28 || g.GrayAt(5, 3).Y != 0 || g.GrayAt(6, 3).Y != 255 {
		t.Fatalf("size %v, ink %d, paper %d", g.Bounds(), g.GrayAt(5, 3).Y, g.GrayAt(6, 3).Y)
	}
}

// A class exports its examples side by side, drawn ones as drawn and real
// 28×28 ones enlarged to the frame.
func TestExportClass(t *testing.T) {
	s := newState(t)
	if _, ok := s.ExportClass(0); ok {
		t.Fatal("exported a class that does not exist")
	}
	s.AddClass()
	if _, ok := s.ExportClass(0); ok || !strings.Contains(s.Message, "has no examples") {
		t.Fatalf("exported an empty class: %q", s.Message)
	}
	s.RenameClass(0, "big bar")
	bar(s, DrawPad, 30)
	s.AddExample()
	real := make([]float32, 28*28)
	real[0] = 1 // the top-left pixel: the frame's top-left 4×4 block
	if err := s.Classes.AddExample(0, classes.Example{Image: real}); err != nil {
		t.Fatal(err)
	}
	f, ok := s.ExportClass(0)
	if !ok || f.Name != "metaglot-big_bar.png" || s.Message != "Exported 2 examples as PNG." {
		t.Fatalf("ok %v, %q, message %q", ok, f.Name, s.Message)
	}
	g := decodeGray(t, f)
	const fs = pad.FrameSize
	if b := g.Bounds(); b.Dx() != 2*fs || b.Dy() != fs {
		t.Fatalf("sheet %v, want %d×%d", b, 2*fs, fs)
	}
	if g.GrayAt(52, 52).Y > 10 || g.GrayAt(10, 52).Y != 255 {
		t.Errorf("first frame (the drawn bar): centre %d, side %d", g.GrayAt(52, 52).Y, g.GrayAt(10, 52).Y)
	}
	if g.GrayAt(fs, 0).Y != 0 || g.GrayAt(fs+3, 3).Y != 0 || g.GrayAt(fs+4, 4).Y != 255 {
		t.Errorf("second frame (the real drawing enlarged 105/28): %d %d %d", g.GrayAt(fs, 0).Y, g.GrayAt(fs+3, 3).Y, g.GrayAt(fs+4, 4).Y)
	}
}

func TestExportClasses(t *testing.T) {
	s := newState(t)
	s.AddClass()
	f := s.ExportClasses()
	if f.Name != "metaglot-classes.json" || f.MIME != "application/json" || s.Message != "Exported 1 classes." {
		t.Fatalf("%q %q, message %q", f.Name, f.MIME, s.Message)
	}
	r := newState(t)
	if err := r.Import(f.Name, f.Data); err != nil || r.Classes.Len() != 1 {
		t.Fatalf("the export does not import: %v", err)
	}
}
