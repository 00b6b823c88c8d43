package episode

import (
	"fmt"

	"metaglot/core/tensor"
)

// Fixed returns the episode of the given classes and items, chosen by the
// caller rather than drawn: class l (label l) has the support images of
// items support[l] and the query images of items query[l] (Omniglot: the
// drawers). Every class needs the same number of support items (at least
// 1) and of query items, and a class's items must be distinct, so that no
// query is one of its class's examples. The layout is a Sampler's:
// class-major support, then class-major queries, with Drawers naming each
// image's item.
//
// It is for fixed evaluation sets, such as the 20 runs of Lake et al.'s
// one-shot task (Science 2015), where one drawer's drawings of 20
// characters are the examples and another drawer's the tests:
//
//	ep, err := episode.Fixed(ds, classes, [][]int{{4}, {4}, …}, [][]int{{7}, {7}, …})
//
// It returns an error naming the problem if a class or item is out of
// range, a rotation is not 0..3, the counts differ between classes, a
// class repeats an item or appears twice, or a class's images are not
// loaded (ds Partial).
func Fixed(ds Dataset, classes []Class, support, query [][]int) (*Episode, error) {
	if err := checkShape(ds); err != nil {
		return nil, err
	}
	way := len(classes)
	switch {
	case way == 0:
		return nil, fmt.Errorf("episode: fixed episode with no classes")
	case len(support) != way || len(query) != way:
		return nil, fmt.Errorf("episode: fixed episode of %d classes with support items for %d and query items for %d", way, len(support), len(query))
	}
	shot, q := len(support[0]), len(query[0])
	if shot < 1 {
		return nil, fmt.Errorf("episode: fixed episode: class 0 has no support item")
	}
	p, partial := ds.(Partial)
	seen := map[Class]int{}
	for l, c := range classes {
		switch {
		case c.Char < 0 || c.Char >= ds.NumClasses():
			return nil, fmt.Errorf("episode: fixed episode: class %d is %d, outside the data set's %d classes", l, c.Char, ds.NumClasses())
		case c.Rot < 0 || c.Rot > 3:
			return nil, fmt.Errorf("episode: fixed episode: class %d has rotation %d, want 0..3", l, c.Rot)
		case len(support[l]) != shot || len(query[l]) != q:
			return nil, fmt.Errorf("episode: fixed episode: class %d has %d support and %d query items, class 0 %d and %d", l, len(support[l]), len(query[l]), shot, q)
		case partial && !p.HasImages(c.Char):
			return nil, fmt.Errorf("episode: fixed episode: the images of class %d (%d) are not loaded", l, c.Char)
		}
		if k, ok := seen[c]; ok {
			return nil, fmt.Errorf("episode: fixed episode: classes %d and %d are the same class (%d, rotation %d)", k, l, c.Char, c.Rot)
		}
		seen[c] = l
		used := map[int]bool{}
		for _, it := range append(append([]int(nil), support[l]...), query[l]...) {
			switch {
			case it < 0 || it >= ds.ItemsPerClass():
				return nil, fmt.Errorf("episode: fixed episode: class %d item %d is outside 0..%d", l, it, ds.ItemsPerClass()-1)
			case used[it]:
				return nil, fmt.Errorf("episode: fixed episode: class %d uses item %d twice (a query must not be one of its class's examples)", l, it)
			}
			used[it] = true
		}
	}
	c, h, w := ds.ImageShape()
	size := c * h * w
	n := way * (shot + q)
	ep := &Episode{
		Way: way, Shot: shot, Query: q,
		Images:  tensor.New(n, c, h, w),
		Labels:  make([]int, n),
		Drawers: make([]int, n),
		Classes: append([]Class(nil), classes...),
	}
	put := func(i, l, item int) {
		ep.Labels[i], ep.Drawers[i] = l, item
		ds.WriteImage(ep.Images.Data[i*size:(i+1)*size], classes[l].Char, item, classes[l].Rot)
	}
	for l := range way {
		for j, it := range support[l] {
			put(l*shot+j, l, it)
		}
		for j, it := range query[l] {
			put(way*shot+l*q+j, l, it)
		}
	}
	return ep, nil
}
