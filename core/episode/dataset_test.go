package episode_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
	"metaglot/core/learner"
	"metaglot/core/omniglot"
)

// small is a second data set: 12 classes of 7 images of 2×16×16.
func small() *episodetest.Synthetic {
	return &episodetest.Synthetic{Classes: 12, Items: 7, Channels: 2, Height: 16, Width: 16}
}

func syntheticSampler(t testing.TB, ds episode.Dataset, rotations int, cfg episode.Config, seed uint64) *episode.Sampler {
	t.Helper()
	split, err := episode.NewSplit("all", ds, nil, rotations)
	if err != nil {
		t.Fatal(err)
	}
	s, err := episode.NewSampler(ds, split, cfg, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// taskOf is the learner's view of an episode, as the training loops build
// it, carrying the data set's image shape.
func taskOf(ep *episode.Episode, shape [3]int) *learner.Task {
	ns := ep.NumSupport()
	return &learner.Task{Way: ep.Way, Support: ep.Support(), SupportLabels: ep.Labels[:ns],
		Query: ep.Queries(), QueryLabels: ep.QueryLabels(), ImageShape: shape}
}

// TestSecondDataset: a data set of another image shape and another number
// of images per class runs through the sampler; its episodes have its
// shape, hold its images, and pass learner.Task.Check.
func TestSecondDataset(t *testing.T) {
	ds := small()
	for _, cfg := range []episode.Config{{Way: 5, Shot: 1, Query: 3}, {Way: 3, Shot: 2, Query: 5}, {Way: 48, Shot: 1, Query: 6}, {Way: 4, Shot: 6, Query: 1}} {
		s := syntheticSampler(t, ds, 4, cfg, 3)
		if got := s.ImageShape(); got != [3]int{2, 16, 16} {
			t.Fatalf("sampler image shape %v, want [2 16 16]", got)
		}
		ep := &episode.Episode{}
		for range 10 {
			s.SampleInto(ep)
			n := cfg.Way * (cfg.Shot + cfg.Query)
			if want := []int{n, 2, 16, 16}; !slices.Equal(ep.Images.Shape, want) || len(ep.Images.Data) != n*512 {
				t.Fatalf("%+v: images %v (%d values), want %v", cfg, ep.Images.Shape, len(ep.Images.Data), want)
			}
			if sh, qh := ep.Support().Shape, ep.Queries().Shape; !slices.Equal(sh, []int{cfg.Way * cfg.Shot, 2, 16, 16}) || !slices.Equal(qh, []int{cfg.Way * cfg.Query, 2, 16, 16}) {
				t.Fatalf("%+v: support %v, queries %v", cfg, sh, qh)
			}
			want := make([]float32, 512)
			for l := range ep.Classes {
				seen := make([]bool, 7)
				for i := range n {
					if ep.Labels[i] != l {
						continue
					}
					d := ep.Drawers[i]
					if d < 0 || d >= 7 || seen[d] {
						t.Fatalf("%+v: class %d uses item %d twice or out of range", cfg, l, d)
					}
					seen[d] = true
					c := ep.Classes[l]
					ds.WriteImage(want, c.Char, d, c.Rot)
					if !slices.Equal(ep.Images.Data[i*512:(i+1)*512], want) {
						t.Fatalf("%+v: image %d is not item %d of class %v", cfg, i, d, c)
					}
				}
			}
			for _, shape := range [][3]int{s.ImageShape(), {}} {
				if err := taskOf(ep, shape).Check(); err != nil {
					t.Fatalf("%+v: Task.Check with image shape %v: %v", cfg, shape, err)
				}
			}
			// A task that expects Omniglot's images refuses these.
			if err := taskOf(ep, [3]int{1, 28, 28}).Check(); err == nil || !strings.Contains(err.Error(), "want [N 1 28 28]") {
				t.Fatalf("%+v: Task.Check against 1×28×28: %v, want a shape error", cfg, err)
			}
		}
		if a := testing.AllocsPerRun(10, func() { s.SampleInto(ep) }); a != 0 {
			t.Errorf("%+v: SampleInto allocates %v times per episode, want 0", cfg, a)
		}
	}
	// Same seed, same episodes.
	a := syntheticSampler(t, ds, 4, episode.Config{Way: 5, Shot: 2, Query: 2}, 9).Sample()
	b := syntheticSampler(t, ds, 4, episode.Config{Way: 5, Shot: 2, Query: 2}, 9).Sample()
	if hashEpisode(a) != hashEpisode(b) {
		t.Error("same seed, different episodes")
	}
}

// TestSecondDatasetGroups: one-alphabet episodes from a data set whose
// classes fall into groups.
func TestSecondDatasetGroups(t *testing.T) {
	ds := small()
	ds.Groups = 3
	g := ds.Grouped()
	s := syntheticSampler(t, g, 1, episode.Config{Way: 3, Shot: 1, Query: 1, Alphabet: "g1"}, 1)
	for range 20 {
		for _, c := range s.Sample().Classes {
			if c.Char%3 != 1 {
				t.Fatalf("alphabet g1 gave class %d", c.Char)
			}
		}
	}
	s = syntheticSampler(t, g, 1, episode.Config{Way: 4, Shot: 1, Query: 1, OneAlphabet: true}, 1)
	groups := map[int]bool{}
	for range 30 {
		ep := s.Sample()
		for _, c := range ep.Classes {
			if c.Char%3 != ep.Classes[0].Char%3 {
				t.Fatalf("one-alphabet episode mixes classes %d and %d", ep.Classes[0].Char, c.Char)
			}
		}
		groups[ep.Classes[0].Char%3] = true
	}
	if len(groups) != 3 {
		t.Errorf("30 one-alphabet episodes came from %d of 3 groups", len(groups))
	}
}

// partial is a Synthetic whose classes in missing have no images yet.
type partial struct {
	*episodetest.Synthetic
	missing map[int]bool
}

func (p partial) HasImages(k int) bool { return !p.missing[k] }

func TestSecondDatasetImpossible(t *testing.T) {
	ds := small()
	split, err := episode.NewSplit("all", ds, nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	wide := &episodetest.Synthetic{Classes: 3, Items: 4, Channels: 1, Height: 16, Width: 12}
	for _, tc := range []struct {
		name  string
		ds    episode.Dataset
		split *episode.Split
		cfg   episode.Config
		want  string
	}{
		{"more images than a class has", ds, split, episode.Config{Way: 5, Shot: 3, Query: 5}, "8 images per class, but a class has only 7 images"},
		{"alphabets of a data set without", ds, split, episode.Config{Way: 5, Shot: 1, Query: 1, OneAlphabet: true}, "has no alphabets"},
		{"class out of range", ds, &episode.Split{Name: "bad", Classes: []episode.Class{{Char: 12}}}, episode.Config{Way: 1, Shot: 1}, "class 12 (position 0) is outside the dataset's 12 classes"},
		{"rotation out of range", ds, &episode.Split{Name: "bad", Classes: []episode.Class{{Char: 1, Rot: 4}}}, episode.Config{Way: 1, Shot: 1}, "class 1 turned 4 quarter turns"},
		{"quarter turn of oblong images", wide, &episode.Split{Name: "bad", Classes: []episode.Class{{Char: 1, Rot: 3}}}, episode.Config{Way: 1, Shot: 1}, "turned 270°, but the dataset's 16x12 images are not square"},
		{"no split", ds, nil, episode.Config{Way: 1, Shot: 1}, "no split"},
		{"empty images", &episodetest.Synthetic{Classes: 3, Items: 4, Channels: 0, Height: 16, Width: 16}, split, episode.Config{Way: 1, Shot: 1}, "images are 0x16x16"},
		{"no items", &episodetest.Synthetic{Classes: 12, Channels: 1, Height: 16, Width: 16}, split, episode.Config{Way: 1, Shot: 1}, "0 images per class"},
		{"not loaded", partial{ds, map[int]bool{3: true, 5: true}}, split, episode.Config{Way: 2, Shot: 1}, "split all needs classes that are not loaded: 3, 5"},
	} {
		_, err := episode.NewSampler(tc.ds, tc.split, tc.cfg, rand.New(rand.NewPCG(1, 0)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := episode.NewSplit("wide", wide, nil, 4); err == nil || !strings.Contains(err.Error(), "not square") {
		t.Errorf("quarter turns of 16×12 images: got %v, want an error", err)
	}
	if _, err := episode.NewSplit("x", ds, nil, 3); err == nil || !strings.Contains(err.Error(), "3 rotations, want 1, 2 or 4") {
		t.Errorf("3 rotations: got %v, want an error", err)
	}
	// Half turns of oblong images are fine.
	s := syntheticSampler(t, wide, 2, episode.Config{Way: 6, Shot: 2, Query: 2}, 1)
	if got := s.Sample().Images.Shape; !slices.Equal(got, []int{24, 1, 16, 12}) {
		t.Errorf("16×12 episode images %v", got)
	}
}

func TestNewSplit(t *testing.T) {
	ds := small()
	s, err := episode.NewSplit("some", ds, []int{4, 2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []episode.Class{{Char: 4}, {Char: 4, Rot: 2}, {Char: 2}, {Char: 2, Rot: 2}}
	if s.Name != "some" || !slices.Equal(s.Classes, want) {
		t.Errorf("NewSplit: %+v, want %v", s, want)
	}
	s, err = episode.NewSplit("all", ds, nil, 1)
	if err != nil || len(s.Classes) != 12 || s.Classes[11] != (episode.Class{Char: 11}) {
		t.Errorf("NewSplit of all classes: %+v, %v", s, err)
	}
}

// TestRotate: four quarter turns are the identity, two are a half turn,
// and Rotate turns the way Synthetic's WriteImage does (computed
// independently, pixel by pixel).
func TestRotate(t *testing.T) {
	ds := small()
	c, h, w := ds.ImageShape()
	n := c * h * w
	orig, turned, want := make([]float32, n), make([]float32, n), make([]float32, n)
	ds.WriteImage(orig, 5, 3, 0)
	for rot := range 4 {
		episode.Rotate(turned, orig, c, h, w, rot)
		ds.WriteImage(want, 5, 3, rot)
		if !slices.Equal(turned, want) {
			t.Errorf("Rotate by %d quarter turns differs from WriteImage's", rot)
		}
	}
	x := slices.Clone(orig)
	for range 4 {
		episode.Rotate(turned, x, c, h, w, 1)
		copy(x, turned)
	}
	if !slices.Equal(x, orig) {
		t.Error("four quarter turns are not the identity")
	}
	episode.Rotate(turned, orig, c, h, w, 1)
	episode.Rotate(x, turned, c, h, w, 1)
	episode.Rotate(want, orig, c, h, w, 2)
	if !slices.Equal(x, want) {
		t.Error("two quarter turns are not a half turn")
	}
	// Top-left corner after a quarter turn counter-clockwise: the
	// top-right one before.
	if turned[0] != orig[w-1] {
		t.Errorf("quarter turn: pixel (0, 0) is %v, want the top-right %v", turned[0], orig[w-1])
	}
}

// testRotateOmniglot: Omniglot's WriteImage turns as Rotate does.
func testRotateOmniglot(t *testing.T, ds *omniglot.Dataset) {
	split, _ := ds.Split("vinyals-test")
	c, h, w := ds.ImageShape()
	if c != 1 || h != 28 || w != 28 || ds.ItemsPerClass() != 20 {
		t.Fatalf("omniglot images %dx%dx%d, %d per class; want 1x28x28, 20", c, h, w, ds.ItemsPerClass())
	}
	orig, turned, want := make([]float32, 784), make([]float32, 784), make([]float32, 784)
	for _, k := range []int{0, 17, len(split.Classes) - 1} {
		char := split.Classes[k].Char
		ds.WriteImage(orig, char, 7, 0)
		for rot := range 4 {
			episode.Rotate(turned, orig, 1, 28, 28, rot)
			ds.WriteImage(want, char, 7, rot)
			if !slices.Equal(turned, want) {
				t.Errorf("character %d turned %d: Rotate differs from omniglot's WriteImage", char, rot)
			}
		}
	}
}
