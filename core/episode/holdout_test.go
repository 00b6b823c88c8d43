package episode_test

import (
	"slices"
	"strings"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
	"metaglot/core/omniglot"
)

func TestHoldOutSynthetic(t *testing.T) {
	ds := (&episodetest.Synthetic{Classes: 40, Items: 4, Channels: 1, Height: 4, Width: 4, Groups: 10}).Grouped()
	all, err := episode.NewSplit("all", ds, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	kept, held, names, err := episode.HoldOut(ds, all, 2)
	if err != nil {
		t.Fatal(err)
	}
	// 10 groups, 2 held out: positions ⌊10/4⌋ = 2 and ⌊30/4⌋ = 7
	if !slices.Equal(names, []string{"g2", "g7"}) {
		t.Errorf("held out %v, want [g2 g7]", names)
	}
	if len(kept.Classes)+len(held.Classes) != 40 || len(held.Classes) != 8 {
		t.Errorf("kept %d and held %d classes of 40, want 32 and 8", len(kept.Classes), len(held.Classes))
	}
	for _, c := range held.Classes {
		if g := c.Char % 10; g != 2 && g != 7 {
			t.Errorf("class %d of group g%d held out", c.Char, g)
		}
	}
	for _, c := range kept.Classes {
		if g := c.Char % 10; g == 2 || g == 7 {
			t.Errorf("class %d of held-out group g%d kept for training", c.Char, g)
		}
	}
	for _, n := range []int{0, 10} {
		if _, _, _, err := episode.HoldOut(ds, all, n); err == nil {
			t.Errorf("HoldOut %d of 10 groups: no error", n)
		}
	}
	if _, _, _, err := episode.HoldOut(&episodetest.Synthetic{Classes: 4, Items: 2, Channels: 1, Height: 2, Width: 2}, all, 1); err == nil || !strings.Contains(err.Error(), "no alphabets") {
		t.Errorf("HoldOut of a data set without groups: %v", err)
	}
}

// The alphabets HoldOut's documentation names for Omniglot's background
// set, and none of the evaluation set.
func TestHoldOutLakeBackground(t *testing.T) {
	ds, err := omniglot.LoadDir(assetDir, "lake-background")
	if err != nil {
		t.Fatal(err)
	}
	bg, err := ds.Split("lake-background")
	if err != nil {
		t.Fatal(err)
	}
	kept, held, names, err := episode.HoldOut(ds, bg, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Balinese", "Syriac_(Estrangelo)", "Hebrew", "Latin", "Sanskrit"}
	if !slices.Equal(names, want) {
		t.Errorf("held out %v, want %v", names, want)
	}
	for _, c := range held.Classes {
		if ch := ds.Character(c.Char); ch.Set != "background" {
			t.Fatalf("held out %s of the %s set", ch.Alphabet, ch.Set)
		}
	}
	t.Logf("%d classes to train on, %d held out", len(kept.Classes), len(held.Classes))
	if len(kept.Classes) != 964-len(held.Classes) {
		t.Errorf("kept %d of 964 background characters with %d held out", len(kept.Classes), len(held.Classes))
	}
}

func TestWithRotations(t *testing.T) {
	ds := &episodetest.Synthetic{Classes: 5, Items: 2, Channels: 1, Height: 3, Width: 3}
	s, err := episode.NewSplit("s", ds, []int{1, 3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := episode.WithRotations(ds, s)
	if err != nil {
		t.Fatal(err)
	}
	want := []episode.Class{{1, 0}, {1, 1}, {1, 2}, {1, 3}, {3, 0}, {3, 1}, {3, 2}, {3, 3}}
	if !slices.Equal(r.Classes, want) {
		t.Errorf("classes %v, want %v", r.Classes, want)
	}
	if _, err := episode.WithRotations(ds, r); err == nil {
		t.Error("turning turned classes: no error")
	}
	flat := &episodetest.Synthetic{Classes: 2, Items: 2, Channels: 1, Height: 3, Width: 4}
	fs, _ := episode.NewSplit("f", flat, nil, 1)
	if _, err := episode.WithRotations(flat, fs); err == nil {
		t.Error("quarter turns of 3x4 images: no error")
	}
}
