package episode_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
)

// FuzzSampler: for any data set shape, split and request, NewSampler
// either refuses with an error or gives a sampler whose episodes have the
// data set's image shape, labels class-major, distinct items per class,
// and pass learner.Task.Check; it never panics.
func FuzzSampler(f *testing.F) {
	f.Add(uint8(12), uint8(7), uint8(2), uint8(16), uint8(16), uint8(4), int8(5), int8(1), int8(3), uint8(0), uint64(1))
	f.Add(uint8(3), uint8(4), uint8(1), uint8(16), uint8(12), uint8(2), int8(6), int8(2), int8(2), uint8(0), uint64(2))
	f.Add(uint8(9), uint8(20), uint8(1), uint8(28), uint8(28), uint8(1), int8(3), int8(1), int8(1), uint8(3), uint64(3))
	f.Add(uint8(5), uint8(1), uint8(0), uint8(4), uint8(4), uint8(3), int8(0), int8(0), int8(-1), uint8(1), uint64(4))
	f.Fuzz(func(t *testing.T, classes, items, c, h, w, rots uint8, way, shot, query int8, groups uint8, seed uint64) {
		ds := &episodetest.Synthetic{Classes: int(classes % 40), Items: int(items % 25), Channels: int(c % 4), Height: int(h % 33), Width: int(w % 33), Groups: int(groups % 5)}
		var d episode.Dataset = ds
		if ds.Groups > 0 {
			d = ds.Grouped()
		}
		split, err := episode.NewSplit("fuzz", d, nil, int(rots%5))
		if err != nil {
			return
		}
		cfg := episode.Config{Way: int(way), Shot: int(shot), Query: int(query), OneAlphabet: groups%2 == 1, SameDrawers: seed%2 == 1}
		s, err := episode.NewSampler(d, split, cfg, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			return
		}
		size := ds.Channels * ds.Height * ds.Width
		ep := &episode.Episode{}
		for range 3 {
			s.SampleInto(ep)
			n := cfg.Way * (cfg.Shot + cfg.Query)
			if len(ep.Images.Data) != n*size || ep.ImageShape() != [3]int{ds.Channels, ds.Height, ds.Width} {
				t.Fatalf("%+v of %+v: images %v", cfg, ds, ep.Images.Shape)
			}
			for l := range cfg.Way {
				seen := make([]bool, ds.Items)
				for i, y := range ep.Labels {
					if y == l {
						if seen[ep.Drawers[i]] {
							t.Fatalf("%+v of %+v: class %d repeats item %d", cfg, ds, l, ep.Drawers[i])
						}
						seen[ep.Drawers[i]] = true
					}
				}
			}
			if cfg.Query > 0 {
				if err := taskOf(ep, s.ImageShape()).Check(); err != nil {
					t.Fatalf("%+v of %+v: %v", cfg, ds, err)
				}
			}
		}
	})
}

// FuzzFixed: for any classes and items (bytes read as class, turn and
// item numbers, some out of range), Fixed either refuses with an error or
// gives an episode in the sampler's layout whose every image is its
// class's item, turned; it never panics.
func FuzzFixed(f *testing.F) {
	f.Add(uint8(3), uint8(1), uint8(1), []byte{2, 0, 5, 8, 7, 2, 5, 8, 11, 0, 5, 8})
	f.Add(uint8(2), uint8(2), uint8(0), []byte{3, 1, 1, 2, 4, 1, 1, 2})
	f.Add(uint8(1), uint8(1), uint8(1), []byte{2, 0, 3, 3})
	f.Add(uint8(2), uint8(1), uint8(2), []byte{40, 5, 1, 2, 3, 0, 0, 25, 1, 2})
	f.Fuzz(func(t *testing.T, way, shot, query uint8, data []byte) {
		ds := &episodetest.Synthetic{Classes: 10, Items: 8, Channels: 1, Height: 3, Width: 3}
		per := 2 + int(shot%4) + int(query%4) // class, turn, then the items
		n := int(way % 6)
		if len(data) < n*per {
			return
		}
		classes := make([]episode.Class, n)
		sup := make([][]int, n)
		qry := make([][]int, n)
		for l := range n {
			b := data[l*per : (l+1)*per]
			classes[l] = episode.Class{Char: int(b[0]) - 2, Rot: int(b[1] % 6)}
			for j, v := range b[2:] {
				if j < int(shot%4) {
					sup[l] = append(sup[l], int(v)-1)
				} else {
					qry[l] = append(qry[l], int(v)-1)
				}
			}
			if qry[l] == nil {
				qry[l] = []int{}
			}
		}
		ep, err := episode.Fixed(ds, classes, sup, qry)
		if err != nil {
			return
		}
		want := make([]float32, 9)
		for i, it := range ep.Drawers {
			l := ep.Labels[i]
			k := i < n*ep.Shot
			if k && (l != i/ep.Shot || it != sup[l][i%ep.Shot]) || !k && (l != (i-n*ep.Shot)/ep.Query || it != qry[l][(i-n*ep.Shot)%ep.Query]) {
				t.Fatalf("image %d: label %d item %d, not the layout of %v %v", i, l, it, sup, qry)
			}
			ds.WriteImage(want, classes[l].Char, it, classes[l].Rot)
			if !slices.Equal(ep.Images.Data[i*9:(i+1)*9], want) {
				t.Fatalf("image %d is not item %d of class %v", i, it, classes[l])
			}
		}
	})
}
