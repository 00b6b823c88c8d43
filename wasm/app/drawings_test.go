package app

import (
	"slices"
	"testing"

	"metaglot/wasm/classes"
)

func TestDrawings(t *testing.T) {
	s := newState(t)
	if d := s.Drawings(); len(d.Names) != 0 || len(d.Images) != 0 {
		t.Fatalf("no classes: %+v", d)
	}
	s.AddClass()
	s.AddClass()
	s.RenameClass(1, "second")
	img := make([]float32, 28*28)
	img[0], img[1], img[2], img[3] = 1, 0.5, -1, 2 // out of range values are clamped
	if err := s.Classes.AddExample(1, classes.Example{Image: img}); err != nil {
		t.Fatal(err)
	}
	s.changed()
	bar(s, DrawPad, 30)
	s.Select(1)
	s.AddExample()
	d := s.Drawings()
	if !slices.Equal(d.Names, []string{s.Classes.Class(0).Name, "second"}) || !slices.Equal(d.Labels, []int{1, 1}) || len(d.Images) != 2 {
		t.Fatalf("names %q, labels %v, %d images", d.Names, d.Labels, len(d.Images))
	}
	if got := d.Images[0][:4]; !slices.Equal(got, []byte{255, 128, 0, 255}) {
		t.Errorf("first pixels %v, want 255 128 0 255", got)
	}
	ink := 0
	for _, v := range d.Images[1] {
		if v > 128 {
			ink++
		}
	}
	if len(d.Images[1]) != 28*28 || ink < 10 {
		t.Errorf("the drawn bar: %d pixels, %d inked", len(d.Images[1]), ink)
	}
}

func TestSynced(t *testing.T) {
	var y Synced
	if !y.Due(0) || y.Due(0) || !y.Due(1) || y.Due(1) || !y.Due(0) {
		t.Fatal("Due must be true exactly when the version changed since the last send")
	}
}
