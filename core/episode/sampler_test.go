package episode_test

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
	"metaglot/core/omniglot"
)

// The committed assets, relative to this package (also under wasm).
const assetDir = "../../assets/omniglot"

// hashEpisode is an FNV-1a hash of everything in an episode.
func hashEpisode(ep *episode.Episode) uint64 {
	h := fnv.New64a()
	var b [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	put(uint64(ep.Way))
	put(uint64(ep.Shot))
	put(uint64(ep.Query))
	for _, v := range ep.Images.Data {
		put(uint64(math.Float32bits(v)))
	}
	for i := range ep.Labels {
		put(uint64(ep.Labels[i]))
		put(uint64(ep.Drawers[i]))
	}
	for _, c := range ep.Classes {
		put(uint64(c.Char))
		put(uint64(c.Rot))
	}
	return h.Sum64()
}

func newSampler(t testing.TB, ds *omniglot.Dataset, split string, cfg episode.Config, seed uint64) *episode.Sampler {
	t.Helper()
	sp, err := ds.Split(split)
	if err != nil {
		t.Fatal(err)
	}
	s, err := episode.NewSampler(ds, sp, cfg, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSampler runs every check on one loaded dataset: the Vinyals test
// split's 13 alphabets (loading once keeps the wasm run short).
func TestSampler(t *testing.T) {
	ds, err := omniglot.LoadDir(assetDir, "vinyals-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("shapes and order", func(t *testing.T) { testShapes(t, ds) })
	t.Run("determinism", func(t *testing.T) { testDeterminism(t, ds) })
	t.Run("one alphabet", func(t *testing.T) { testOneAlphabet(t, ds) })
	t.Run("same drawers", func(t *testing.T) { testSameDrawers(t, ds) })
	t.Run("uniform", func(t *testing.T) { testUniform(t, ds) })
	t.Run("impossible", func(t *testing.T) { testImpossible(t, ds) })
	t.Run("rotate", func(t *testing.T) { testRotateOmniglot(t, ds) })
	t.Run("no allocation", func(t *testing.T) {
		s := newSampler(t, ds, "vinyals-test", episode.Config{Way: 20, Shot: 5, Query: 15}, 1)
		ep := s.Sample()
		if a := testing.AllocsPerRun(20, func() { s.SampleInto(ep) }); a != 0 {
			t.Errorf("SampleInto allocates %v times per episode, want 0", a)
		}
	})
}

func testShapes(t *testing.T, ds *omniglot.Dataset) {
	split, _ := ds.Split("vinyals-test")
	for _, cfg := range []episode.Config{{Way: 5, Shot: 1, Query: 3}, {Way: 20, Shot: 5, Query: 15}, {Way: 3, Shot: 2, Query: 0}} {
		s := newSampler(t, ds, "vinyals-test", cfg, 42)
		ep := &episode.Episode{}
		for range 5 {
			s.SampleInto(ep) // also exercises reuse
			n := cfg.Way * (cfg.Shot + cfg.Query)
			if want := []int{n, 1, 28, 28}; !slices.Equal(ep.Images.Shape, want) || len(ep.Images.Data) != n*784 {
				t.Fatalf("%+v: images %v (%d values), want %v", cfg, ep.Images.Shape, len(ep.Images.Data), want)
			}
			if len(ep.Labels) != n || len(ep.Drawers) != n || len(ep.Classes) != cfg.Way {
				t.Fatalf("%+v: %d labels, %d drawers, %d classes", cfg, len(ep.Labels), len(ep.Drawers), len(ep.Classes))
			}
			// Class-major: supports of 0..N-1 (K each), then queries (Q each).
			for i, l := range ep.Labels {
				want := i / cfg.Shot
				if i >= cfg.Way*cfg.Shot {
					want = (i - cfg.Way*cfg.Shot) / cfg.Query
				}
				if l != want {
					t.Fatalf("%+v: label of image %d is %d, want %d", cfg, i, l, want)
				}
			}
			if got := ep.Support().Shape[0] + ep.Queries().Shape[0]; got != n || len(ep.QueryLabels()) != cfg.Way*cfg.Query {
				t.Fatalf("%+v: support and queries do not add up", cfg)
			}
			// Distinct classes of the split; distinct drawers within a class.
			for l, c := range ep.Classes {
				if !slices.Contains(split.Classes, c) || slices.Index(ep.Classes, c) != l {
					t.Fatalf("%+v: class %v repeated or not in the split", cfg, c)
				}
				var seen [20]bool
				for i := range n {
					if ep.Labels[i] != l {
						continue
					}
					if d := ep.Drawers[i]; d < 0 || d >= 20 || seen[d] {
						t.Fatalf("%+v: class %d uses drawer %d twice or out of range", cfg, l, d)
					}
					seen[ep.Drawers[i]] = true
				}
			}
			// Each image is the dataset's image of its class and drawer.
			want := make([]float32, 784)
			for i := range n {
				c := ep.Classes[ep.Labels[i]]
				ds.WriteImage(want, c.Char, ep.Drawers[i], c.Rot)
				if !slices.Equal(ep.Images.Data[i*784:(i+1)*784], want) {
					t.Fatalf("%+v: image %d is not %s drawer %d", cfg, i, ds.ClassName(c), ep.Drawers[i])
				}
			}
		}
	}
}

// wantHash is the hash of the third episode of seed 7 below, computed by
// this test natively (linux/amd64, Go 1.26 and 1.27): the wasm run must
// agree with it. It changes if the assets or the sampling algorithm change.
const wantHash = 0xa2c87fb579aef1d2

func testDeterminism(t *testing.T, ds *omniglot.Dataset) {
	cfg := episode.Config{Way: 5, Shot: 1, Query: 3}
	a := newSampler(t, ds, "vinyals-test", cfg, 7)
	b := newSampler(t, ds, "vinyals-test", cfg, 7)
	c := newSampler(t, ds, "vinyals-test", cfg, 8)
	var ha, hb, hc []uint64
	for range 3 {
		ha = append(ha, hashEpisode(a.Sample()))
		hb = append(hb, hashEpisode(b.Sample()))
		hc = append(hc, hashEpisode(c.Sample()))
	}
	if !slices.Equal(ha, hb) {
		t.Errorf("same seed, different episodes: %x vs %x", ha, hb)
	}
	if slices.Equal(ha, hc) {
		t.Errorf("seeds 7 and 8 gave the same episodes %x", ha)
	}
	if ha[2] != wantHash {
		t.Errorf("third episode of seed 7 hashes to %#x, want %#x (the native value)", ha[2], uint64(wantHash))
	}
}

func testOneAlphabet(t *testing.T, ds *omniglot.Dataset) {
	s := newSampler(t, ds, "vinyals-test", episode.Config{Way: 20, Shot: 1, Query: 1, OneAlphabet: true}, 3)
	alphabets := map[int]bool{}
	for range 60 {
		ep := s.Sample()
		a := ds.AlphabetOf(ep.Classes[0].Char)
		for _, c := range ep.Classes {
			if ds.AlphabetOf(c.Char) != a {
				t.Fatalf("episode mixes alphabets: %s and %s", ds.ClassName(ep.Classes[0]), ds.ClassName(c))
			}
		}
		alphabets[a] = true
	}
	if len(alphabets) < 5 {
		t.Errorf("60 one-alphabet episodes came from only %d alphabets", len(alphabets))
	}
	s = newSampler(t, ds, "vinyals-test", episode.Config{Way: 5, Shot: 1, Query: 1, Alphabet: "Keble"}, 3)
	for range 10 {
		for _, c := range s.Sample().Classes {
			if a := ds.Character(c.Char).Alphabet; a != "Keble" {
				t.Fatalf("Alphabet Keble gave a class of %s", a)
			}
		}
	}
}

// testSameDrawers: with SameDrawers the j-th image of every class comes
// from one drawer (the support from one drawer, the queries from others);
// without it, classes draw their own drawers.
func testSameDrawers(t *testing.T, ds *omniglot.Dataset) {
	for _, same := range []bool{true, false} {
		s := newSampler(t, ds, "vinyals-test", episode.Config{Way: 20, Shot: 1, Query: 3, OneAlphabet: true, SameDrawers: same}, 5)
		shared := 0
		for range 50 {
			ep := s.Sample()
			all := true
			for i, l := range ep.Labels {
				j := 0 // position of image i within its class: 0 support, 1.. queries
				if i >= ep.Way*ep.Shot {
					j = 1 + (i-ep.Way*ep.Shot-l*ep.Query)%ep.Query
				}
				first := j // the same position in class 0
				if j > 0 {
					first = ep.Way*ep.Shot + j - 1
				}
				all = all && ep.Drawers[i] == ep.Drawers[first]
			}
			if all {
				shared++
			}
			support := ep.Drawers[0]
			for i := ep.Way * ep.Shot; i < len(ep.Labels); i++ {
				if ep.Drawers[i] == support && ep.Drawers[ep.Labels[i]*ep.Shot] == support {
					t.Fatalf("same=%v: query %d drawn by its class's support drawer %d", same, i, support)
				}
			}
		}
		if same && shared != 50 {
			t.Errorf("SameDrawers: %d of 50 episodes share their drawers across classes", shared)
		}
		if !same && shared > 0 {
			t.Errorf("without SameDrawers, %d of 50 20-way episodes shared every drawer", shared)
		}
	}
}

// testUniform draws many 5-way 1-shot 1-query episodes from the 16 classes
// of Gurmukhi in the test split (4 characters × 4 rotations) and checks
// that classes, drawers and label positions come up evenly. The bounds are
// about 6 standard deviations wide, so the test fails only when sampling
// is biased.
func testUniform(t *testing.T, ds *omniglot.Dataset) {
	s := newSampler(t, ds, "vinyals-test", episode.Config{Way: 5, Shot: 1, Query: 1, Alphabet: "Gurmukhi"}, 11)
	const episodes = 3200
	classes := map[omniglot.Class]int{}
	var drawers [20]int
	var lowestFirst int
	ep := &episode.Episode{}
	for range episodes {
		s.SampleInto(ep)
		for _, c := range ep.Classes {
			classes[c]++
		}
		for _, d := range ep.Drawers {
			drawers[d]++
		}
		// Labels carry no order of the classes: the class labelled 0 is the
		// lowest-numbered one in about 1/5 of episodes.
		if slices.MinFunc(ep.Classes, cmpClass) == ep.Classes[0] {
			lowestFirst++
		}
	}
	if len(classes) != 16 {
		t.Fatalf("%d distinct classes, want 16", len(classes))
	}
	for c, n := range classes { // expect 3200·5/16 = 1000, sd ≈ 28
		if n < 830 || n > 1170 {
			t.Errorf("class %s drawn %d times, want about 1000", ds.ClassName(c), n)
		}
	}
	for d, n := range drawers { // expect 3200·10/20 = 1600, sd ≈ 39
		if n < 1360 || n > 1840 {
			t.Errorf("drawer %d drawn %d times, want about 1600", d, n)
		}
	}
	if lowestFirst < 500 || lowestFirst > 780 { // expect 640, sd ≈ 23
		t.Errorf("label 0 went to the lowest class in %d of %d episodes, want about 640", lowestFirst, episodes)
	}
}

func cmpClass(a, b omniglot.Class) int {
	if a.Char != b.Char {
		return a.Char - b.Char
	}
	return a.Rot - b.Rot
}

func testImpossible(t *testing.T, ds *omniglot.Dataset) {
	for _, tc := range []struct {
		split string
		cfg   episode.Config
		want  string
	}{
		{"lake-evaluation", episode.Config{Way: 30, Shot: 1, Query: 1, Alphabet: "Angelic"}, "exceeds the 20 classes of alphabet Angelic"},
		{"lake-evaluation", episode.Config{Way: 50, Shot: 1, Query: 1, OneAlphabet: true}, "largest alphabet of split lake-evaluation (Malayalam) has 47"},
		{"vinyals-test", episode.Config{Way: 5, Shot: 5, Query: 16}, "21 images per class, but a class has only 20 images"},
		{"vinyals-test", episode.Config{Way: 0, Shot: 1, Query: 1}, "way 0"},
		{"vinyals-test", episode.Config{Way: 5, Shot: 0, Query: 1}, "shot 0"},
		{"vinyals-test", episode.Config{Way: 5, Shot: 1, Query: -1}, "query -1"},
		{"vinyals-test", episode.Config{Way: 1700, Shot: 1, Query: 1}, "exceeds the 1692 classes of split vinyals-test"},
		{"vinyals-test", episode.Config{Way: 5, Shot: 1, Query: 1, Alphabet: "Latin"}, `"Latin" has no classes in split vinyals-test`},
		{"lake-evaluation", episode.Config{Way: 5, Shot: 1, Query: 1}, "not loaded: Angelic, Atemayar_Qelisayer"},
	} {
		sp, err := ds.Split(tc.split)
		if err != nil {
			t.Fatal(err)
		}
		_, err = episode.NewSampler(ds, sp, tc.cfg, rand.New(rand.NewPCG(1, 0)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %+v: got error %v, want one containing %q", tc.split, tc.cfg, err, tc.want)
		}
	}
	// Only Keble needs loading for Keble episodes.
	sp, _ := ds.Split("lake-evaluation")
	if _, err := episode.NewSampler(ds, sp, episode.Config{Way: 5, Shot: 1, Query: 1, Alphabet: "Keble"}, rand.New(rand.NewPCG(1, 0))); err != nil {
		t.Errorf("Keble episodes from lake-evaluation with Keble loaded: %v", err)
	}
}

func BenchmarkSample5Way1Shot15Query(b *testing.B) {
	ds, err := omniglot.LoadDir(assetDir, "vinyals-test")
	if err != nil {
		b.Fatal(err)
	}
	s := newSampler(b, ds, "vinyals-test", episode.Config{Way: 5, Shot: 1, Query: 15}, 1)
	ep := s.Sample()
	b.ReportAllocs()
	for b.Loop() {
		s.SampleInto(ep)
	}
}

// BenchmarkNewSamplerTrainval: the training loops make a sampler per step
// (each step its own seed), over the 4800 classes of vinyals-trainval.
func BenchmarkNewSamplerTrainval(b *testing.B) {
	ds, err := omniglot.LoadDir(assetDir, "vinyals-trainval")
	if err != nil {
		b.Fatal(err)
	}
	sp, err := ds.Split("vinyals-trainval")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := episode.NewSampler(ds, sp, episode.Config{Way: 60, Shot: 5, Query: 5}, rand.New(rand.NewPCG(1, 0))); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCapWay: with CapWay, an alphabet smaller than the way is drawn too,
// its episodes holding all its classes (the way capped at its size, the
// layout and labels those of a smaller episode); without it, such an
// alphabet is never drawn, and a way above every alphabet is refused.
func TestCapWay(t *testing.T) {
	// 7 groups of 9, 9, 9, 8, 8, 8, 8 classes (class k in group k mod 7).
	ds := (&episodetest.Synthetic{Classes: 59, Items: 6, Channels: 1, Height: 4, Width: 4, Groups: 7}).Grouped()
	sp, err := episode.NewSplit("all", ds, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[int]int{}
	for k := range 59 {
		sizes[k%7]++
	}
	draw := func(cfg episode.Config) map[int]int { // group → episodes drawn
		t.Helper()
		s, err := episode.NewSampler(ds, sp, cfg, rand.New(rand.NewPCG(5, 0)))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]int{}
		var ep episode.Episode
		for range 200 {
			s.SampleInto(&ep)
			g := ep.Classes[0].Char % 7
			want := min(cfg.Way, sizes[g])
			if ep.Way != want || len(ep.Classes) != want || len(ep.Labels) != want*3 || ep.Images.Shape[0] != want*3 {
				t.Fatalf("%+v: group g%d of %d classes gave way %d, %d classes, %d labels, %d images; want way %d",
					cfg, g, sizes[g], ep.Way, len(ep.Classes), len(ep.Labels), ep.Images.Shape[0], want)
			}
			distinct := map[int]bool{}
			for _, c := range ep.Classes {
				if c.Char%7 != g {
					t.Fatalf("%+v: episode mixes groups g%d and g%d", cfg, g, c.Char%7)
				}
				distinct[c.Char] = true
			}
			if len(distinct) != want {
				t.Fatalf("%+v: %d distinct classes of %d", cfg, len(distinct), want)
			}
			for i, l := range ep.QueryLabels() {
				if l != i/2 { // 2 queries per class, class-major
					t.Fatalf("%+v: query %d labelled %d", cfg, i, l)
				}
			}
			seen[g]++
		}
		return seen
	}
	capped := draw(episode.Config{Way: 9, Shot: 1, Query: 2, OneAlphabet: true, CapWay: true})
	if len(capped) != 7 {
		t.Errorf("CapWay: episodes from %d of the 7 groups (%v)", len(capped), capped)
	}
	plain := draw(episode.Config{Way: 9, Shot: 1, Query: 2, OneAlphabet: true})
	if len(plain) != 3 {
		t.Errorf("without CapWay: episodes from %d groups (%v), want the 3 of 9 classes", len(plain), plain)
	}
	// A way above every group: only CapWay draws it.
	draw(episode.Config{Way: 12, Shot: 1, Query: 2, OneAlphabet: true, CapWay: true})
	draw(episode.Config{Way: 12, Shot: 1, Query: 2, Alphabet: "g5", CapWay: true})
	for _, cfg := range []episode.Config{
		{Way: 12, Shot: 1, Query: 2, OneAlphabet: true},
		{Way: 12, Shot: 1, Query: 2, Alphabet: "g5"},
	} {
		if _, err := episode.NewSampler(ds, sp, cfg, rand.New(rand.NewPCG(5, 0))); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}
