package episode_test

import (
	"math/rand/v2"
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
