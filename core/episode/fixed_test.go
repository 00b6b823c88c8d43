package episode_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
)

// TestFixedRebuildsSampled rebuilds sampled episodes from their classes
// and drawers: Fixed must give the same images, labels and drawers, in the
// sampler's layout, with and without SameDrawers and with turned classes.
func TestFixedRebuildsSampled(t *testing.T) {
	ds := &episodetest.Synthetic{Classes: 12, Items: 7, Channels: 2, Height: 6, Width: 6}
	split, err := episode.NewSplit("all", ds, nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []episode.Config{
		{Way: 5, Shot: 1, Query: 3},
		{Way: 4, Shot: 2, Query: 2, SameDrawers: true},
		{Way: 3, Shot: 3, Query: 0},
	} {
		s, err := episode.NewSampler(ds, split, cfg, rand.New(rand.NewPCG(7, 0)))
		if err != nil {
			t.Fatal(err)
		}
		for range 10 {
			ep := s.Sample()
			sup := make([][]int, ep.Way)
			qry := make([][]int, ep.Way)
			for i, l := range ep.Labels {
				if i < ep.NumSupport() {
					sup[l] = append(sup[l], ep.Drawers[i])
				} else {
					qry[l] = append(qry[l], ep.Drawers[i])
				}
			}
			for l := range qry {
				if qry[l] == nil {
					qry[l] = []int{}
				}
			}
			got, err := episode.Fixed(ds, ep.Classes, sup, qry)
			if err != nil {
				t.Fatalf("%+v: %v", cfg, err)
			}
			if got.Way != ep.Way || got.Shot != ep.Shot || got.Query != ep.Query ||
				!slices.Equal(got.Images.Shape, ep.Images.Shape) || !slices.Equal(got.Images.Data, ep.Images.Data) ||
				!slices.Equal(got.Labels, ep.Labels) || !slices.Equal(got.Drawers, ep.Drawers) || !slices.Equal(got.Classes, ep.Classes) {
				t.Fatalf("%+v: Fixed does not rebuild the sampled episode", cfg)
			}
		}
	}
}

// TestFixedSameDrawer checks a Lake-style episode directly: one drawer's
// image of every class as its example, another's as its test.
func TestFixedSameDrawer(t *testing.T) {
	ds := &episodetest.Synthetic{Classes: 30, Items: 20, Channels: 1, Height: 4, Width: 4}
	classes := []episode.Class{{Char: 3}, {Char: 17}, {Char: 9, Rot: 2}}
	ep, err := episode.Fixed(ds, classes, [][]int{{4}, {4}, {4}}, [][]int{{7}, {7}, {7}})
	if err != nil {
		t.Fatal(err)
	}
	if ep.Way != 3 || ep.Shot != 1 || ep.Query != 1 || !slices.Equal(ep.Labels, []int{0, 1, 2, 0, 1, 2}) ||
		!slices.Equal(ep.Drawers, []int{4, 4, 4, 7, 7, 7}) {
		t.Fatalf("way %d shot %d query %d labels %v drawers %v", ep.Way, ep.Shot, ep.Query, ep.Labels, ep.Drawers)
	}
	want := make([]float32, 16)
	for i, it := range ep.Drawers {
		c := classes[ep.Labels[i]]
		ds.WriteImage(want, c.Char, it, c.Rot)
		if !slices.Equal(ep.Images.Data[i*16:(i+1)*16], want) {
			t.Errorf("image %d is not item %d of class %v", i, it, c)
		}
	}
}

func TestFixedErrors(t *testing.T) {
	ds := &episodetest.Synthetic{Classes: 5, Items: 4, Channels: 1, Height: 2, Width: 2}
	one := func(v int) []int { return []int{v} }
	for _, tc := range []struct {
		name     string
		classes  []episode.Class
		sup, qry [][]int
		want     string
	}{
		{"no classes", nil, nil, nil, "no classes"},
		{"counts", []episode.Class{{Char: 0}, {Char: 1}}, [][]int{one(0)}, [][]int{one(1), one(1)}, "support items for 1"},
		{"no support", []episode.Class{{Char: 0}}, [][]int{{}}, [][]int{one(1)}, "no support item"},
		{"class range", []episode.Class{{Char: 5}}, [][]int{one(0)}, [][]int{one(1)}, "outside the data set's 5 classes"},
		{"rotation", []episode.Class{{Char: 1, Rot: 4}}, [][]int{one(0)}, [][]int{one(1)}, "rotation 4"},
		{"uneven", []episode.Class{{Char: 0}, {Char: 1}}, [][]int{one(0), {0, 2}}, [][]int{one(1), one(1)}, "class 1 has 2 support"},
		{"item range", []episode.Class{{Char: 0}}, [][]int{one(4)}, [][]int{one(1)}, "item 4 is outside 0..3"},
		{"query is an example", []episode.Class{{Char: 0}}, [][]int{one(2)}, [][]int{one(2)}, "uses item 2 twice"},
		{"repeated class", []episode.Class{{Char: 2}, {Char: 2}}, [][]int{one(0), one(0)}, [][]int{one(1), one(1)}, "classes 0 and 1 are the same"},
	} {
		_, err := episode.Fixed(ds, tc.classes, tc.sup, tc.qry)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
