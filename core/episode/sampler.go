package episode

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"metaglot/core/tensor"
)

// Config says what episodes to draw. Way and Shot must be at least 1 and
// Query at least 0, with Shot+Query at most the dataset's ItemsPerClass
// (Omniglot: the 20 drawers of a character).
type Config struct {
	Way, Shot, Query int
	// OneAlphabet draws all classes of an episode from one alphabet (the
	// Lake protocol), chosen uniformly among the split's alphabets with at
	// least Way classes. The dataset must be Grouped; its groups are the
	// alphabets.
	OneAlphabet bool
	// Alphabet, if not empty, draws every episode from this alphabet's
	// classes in the split (and implies OneAlphabet).
	Alphabet string
	// CapWay, with OneAlphabet or Alphabet, caps an episode's way at its
	// alphabet's size instead of leaving small alphabets out: an alphabet
	// with fewer than Way classes (but at least 2) is drawn too, and its
	// episodes hold all its classes, Episode.Way being their number. For
	// training within one alphabet with a learner that takes tasks of any
	// way (ProtoNet). Without it, only alphabets of at least Way classes
	// are drawn.
	CapWay bool
	// SameDrawers draws one set of Shot+Query drawers per episode instead
	// of one per class: the j-th image of every class comes from the same
	// drawer, so the support set is the drawings of Shot drawers and each
	// query drawer is none of them. Lake et al.'s one-shot task (Science
	// 2015) pairs drawers this way: one drawer's 20 characters are the
	// examples, another's the tests. (For another dataset, "drawer" means
	// item: the j-th image of every class is the same item number.)
	SameDrawers bool
}

// Sampler draws episodes from a split of a dataset. It is not safe for
// concurrent use.
type Sampler struct {
	ds    Dataset
	split *Split
	cfg   Config
	rng   *rand.Rand

	imageLen int   // values of one image, C·H·W
	shape    []int // C, H, W
	// groups holds, per alphabet an episode may come from, positions in
	// split.Classes; one group of every class unless OneAlphabet. Each is
	// permuted in place by the partial shuffles of successive episodes.
	groups  [][]int
	drawers []int // 0..ItemsPerClass−1, permuted in place like groups
}

// NewSampler returns a Sampler of episodes cfg from split, a split of ds,
// drawing from rng. It returns an error naming the problem if the request
// is impossible (too many classes or images per class, an unknown
// alphabet, a class ds does not have) or if images the split needs are not
// loaded (ds Partial).
//
// *omniglot.Dataset is a Dataset (Grouped and Partial), and its Split
// method gives its standard splits.
func NewSampler(ds Dataset, split *Split, cfg Config, rng *rand.Rand) (*Sampler, error) {
	if split == nil {
		return nil, fmt.Errorf("episode: no split")
	}
	if err := checkShape(ds); err != nil {
		return nil, err
	}
	if err := checkClasses(ds, split); err != nil {
		return nil, err
	}
	if err := cfg.check(ds, split); err != nil {
		return nil, err
	}
	if cfg.Alphabet != "" {
		cfg.OneAlphabet = true
	}
	c, h, w := ds.ImageShape()
	s := &Sampler{ds: ds, split: split, cfg: cfg, rng: rng, imageLen: c * h * w, shape: []int{c, h, w}}
	if cfg.OneAlphabet {
		gs := ds.(Grouped) // cfg.check made sure
		byGroup := map[int][]int{}
		for i, c := range split.Classes {
			g := gs.GroupOf(c.Char)
			if cfg.Alphabet == "" || gs.GroupName(g) == cfg.Alphabet {
				byGroup[g] = append(byGroup[g], i)
			}
		}
		for g := range gs.NumGroups() { // group order: deterministic
			if p := byGroup[g]; len(p) >= cfg.minWay() {
				s.groups = append(s.groups, p)
			}
		}
	} else {
		all := make([]int, len(split.Classes))
		for i := range all {
			all[i] = i
		}
		s.groups = [][]int{all}
	}
	if err := s.checkLoaded(); err != nil {
		return nil, err
	}
	s.drawers = make([]int, ds.ItemsPerClass())
	for i := range s.drawers {
		s.drawers[i] = i
	}
	return s, nil
}

// checkLoaded returns an error if a Partial dataset lacks the images of a
// class the sampler may draw, naming their alphabets (groups) if the
// dataset is Grouped, or else the first few classes.
func (s *Sampler) checkLoaded() error {
	p, ok := s.ds.(Partial)
	if !ok {
		return nil
	}
	gs, grouped := s.ds.(Grouped)
	n := s.ds.NumClasses()
	if grouped {
		n = gs.NumGroups()
	}
	seen := make([]bool, n) // by group, or by class
	var missing []int       // groups, or classes
	for _, g := range s.groups {
		for _, i := range g {
			c := s.split.Classes[i].Char
			k := c
			if grouped {
				k = gs.GroupOf(c)
			}
			if !seen[k] && !p.HasImages(c) {
				missing = append(missing, k)
			}
			seen[k] = true
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	var names []string
	for _, k := range missing {
		if grouped {
			names = append(names, gs.GroupName(k))
		} else {
			names = append(names, fmt.Sprint(k))
		}
	}
	what := "classes"
	if grouped {
		what = "alphabets"
	} else if len(names) > 10 {
		names = append(names[:10], fmt.Sprintf("… (%d in all)", len(missing)))
	}
	return fmt.Errorf("episode: split %s needs %s that are not loaded: %s", s.split.Name, what, strings.Join(names, ", "))
}

// minWay returns the fewest classes of an alphabet the sampler draws
// from: Way, or 2 with CapWay (1 with Way 1).
func (cfg Config) minWay() int {
	if cfg.CapWay {
		return min(2, cfg.Way)
	}
	return cfg.Way
}

// check returns an error saying why cfg cannot be drawn from split, whose
// classes ds has (checkClasses).
func (cfg Config) check(ds Dataset, split *Split) error {
	items := ds.ItemsPerClass()
	switch {
	case cfg.Way < 1:
		return fmt.Errorf("episode: way %d: an episode needs at least 1 class", cfg.Way)
	case cfg.Shot < 1:
		return fmt.Errorf("episode: shot %d: each class needs at least 1 support image", cfg.Shot)
	case cfg.Query < 0:
		return fmt.Errorf("episode: query %d is negative", cfg.Query)
	case cfg.Shot+cfg.Query > items:
		return fmt.Errorf("episode: shot %d + query %d = %d images per class, but a class has only %d images (Omniglot: drawings of a character)",
			cfg.Shot, cfg.Query, cfg.Shot+cfg.Query, items)
	case len(split.Classes) == 0:
		return fmt.Errorf("episode: split %s has no classes", split.Name)
	case cfg.Way > len(split.Classes):
		return fmt.Errorf("episode: way %d exceeds the %d classes of split %s", cfg.Way, len(split.Classes), split.Name)
	}
	if !cfg.OneAlphabet && cfg.Alphabet == "" {
		return nil
	}
	gs, ok := ds.(Grouped)
	if !ok {
		return fmt.Errorf("episode: episodes from one alphabet, but the dataset of split %s has no alphabets (groups of classes)", split.Name)
	}
	count := map[string]int{}
	for _, c := range split.Classes {
		count[gs.GroupName(gs.GroupOf(c.Char))]++
	}
	if cfg.Alphabet != "" {
		n, ok := count[cfg.Alphabet]
		switch {
		case !ok:
			return fmt.Errorf("episode: alphabet %q has no classes in split %s", cfg.Alphabet, split.Name)
		case cfg.minWay() > n:
			return fmt.Errorf("episode: way %d exceeds the %d classes of alphabet %s in split %s", cfg.Way, n, cfg.Alphabet, split.Name)
		}
		return nil
	}
	largest, size := "", 0
	for a, n := range count {
		if n > size || n == size && a < largest {
			largest, size = a, n
		}
	}
	if cfg.minWay() > size {
		return fmt.Errorf("episode: way %d within one alphabet, but the largest alphabet of split %s (%s) has %d classes",
			cfg.Way, split.Name, largest, size)
	}
	return nil
}

// Dataset returns the sampler's dataset (to name classes, for example:
// an *omniglot.Dataset for Omniglot's samplers).
func (s *Sampler) Dataset() Dataset { return s.ds }

// ImageShape returns the shape of the images of its episodes, [C H W].
func (s *Sampler) ImageShape() [3]int { return [3]int{s.shape[0], s.shape[1], s.shape[2]} }

// Config returns the sampler's configuration.
func (s *Sampler) Config() Config { return s.cfg }

// Sample returns a new episode.
func (s *Sampler) Sample() *Episode {
	ep := &Episode{}
	s.SampleInto(ep)
	return ep
}

// SampleInto draws an episode into ep, reusing its buffers when they are
// large enough (no allocation once ep has held an episode of this size).
// Any previous content of ep is overwritten; tensors previously returned by
// ep.Support or ep.Queries then hold the new images.
func (s *Sampler) SampleInto(ep *Episode) {
	// Step 1 begins: the alphabet (with CapWay, its size may cap the way).
	g := s.groups[0]
	if len(s.groups) > 1 {
		g = s.groups[s.rng.IntN(len(s.groups))]
	}
	way, shot, query := min(s.cfg.Way, len(g)), s.cfg.Shot, s.cfg.Query
	per := shot + query
	n := way * per
	ep.Way, ep.Shot, ep.Query = way, shot, query
	imageLen := s.imageLen
	if ep.Images == nil || cap(ep.Images.Data) < n*imageLen {
		ep.Images = tensor.New(n, s.shape[0], s.shape[1], s.shape[2])
	} else {
		ep.Images.Data = ep.Images.Data[:n*imageLen]
		ep.Images.Shape = append(ep.Images.Shape[:0], n, s.shape[0], s.shape[1], s.shape[2])
	}
	ep.Labels = resize(ep.Labels, n)
	ep.Drawers = resize(ep.Drawers, n)
	ep.Classes = slices.Grow(ep.Classes[:0], way)[:way]

	// Step 1: the classes, in a random order; label = position.
	shuffleFirst(s.rng, g, way)
	for l := range way {
		ep.Classes[l] = s.split.Classes[g[l]]
	}
	// Step 2: per class, shot+query distinct drawers (with SameDrawers,
	// the same ones for every class).
	if s.cfg.SameDrawers {
		shuffleFirst(s.rng, s.drawers, per)
	}
	for l, c := range ep.Classes {
		if !s.cfg.SameDrawers {
			shuffleFirst(s.rng, s.drawers, per)
		}
		for j := range per {
			i := l*shot + j // support: class-major
			if j >= shot {
				i = way*shot + l*query + j - shot // then the queries
			}
			ep.Labels[i] = l
			ep.Drawers[i] = s.drawers[j]
			s.ds.WriteImage(ep.Images.Data[i*imageLen:(i+1)*imageLen], c.Char, s.drawers[j], c.Rot)
		}
	}
}

// shuffleFirst puts a uniform random choice of k of p's elements, in a
// uniform random order, into p[:k] (a partial Fisher–Yates shuffle).
func shuffleFirst(rng *rand.Rand, p []int, k int) {
	for i := range k {
		j := i + rng.IntN(len(p)-i)
		p[i], p[j] = p[j], p[i]
	}
}

func resize(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}
