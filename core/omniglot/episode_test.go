package omniglot

import (
	"image"
	"testing"
)

// TestEpisodeDataset: a Dataset answers episode.Dataset (classes =
// characters, items = drawers, 1×28×28 images from the index), Grouped
// (alphabets) and Partial (loaded sheets).
func TestEpisodeDataset(t *testing.T) {
	ix := tinyIndex(3)
	second := ix.Alphabets[0]
	second.Name, second.File = "Other", "Other.png"
	second.Characters = append([]Character(nil), second.Characters[:2]...)
	for i := range second.Characters {
		second.Characters[i].ID += 10
	}
	ix.Alphabets = append(ix.Alphabets, second)
	d := New(ix)
	if n := d.NumClasses(); n != 5 {
		t.Errorf("NumClasses %d, want 5", n)
	}
	if n := d.ItemsPerClass(); n != 20 {
		t.Errorf("ItemsPerClass %d, want 20", n)
	}
	if c, h, w := d.ImageShape(); c != 1 || h != 28 || w != 28 {
		t.Errorf("ImageShape %d×%d×%d, want 1×28×28", c, h, w)
	}
	if n := d.NumGroups(); n != 2 {
		t.Errorf("NumGroups %d, want 2", n)
	}
	for c, want := range []string{"Tiny", "Tiny", "Tiny", "Other", "Other"} {
		if g := d.GroupOf(c); d.GroupName(g) != want {
			t.Errorf("character %d in group %d (%s), want %s", c, g, d.GroupName(g), want)
		}
	}
	sheet := image.NewGray(image.Rect(0, 0, Drawers*ImageSize, 2*ImageSize))
	if err := d.AddAlphabetImage("Other", sheet); err != nil {
		t.Fatal(err)
	}
	for c, want := range []bool{false, false, false, true, true} {
		if got := d.HasImages(c); got != want {
			t.Errorf("HasImages(%d) = %v, want %v (only Other is loaded)", c, got, want)
		}
	}
}
