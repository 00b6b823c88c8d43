package episode

import "fmt"

// HoldOut splits split, a split of a Grouped dataset, by groups
// (Omniglot: alphabets): n of its groups, evenly spaced in group order,
// go to held, the others to kept, each keeping split's class order. Of
// the G groups split has, in group order, the held-out ones are those at
// positions ⌊(2i+1)·G/(2n)⌋ for i = 0..n−1: for the 30 alphabets of
// Omniglot's background set and n = 5, positions 3, 9, 15, 21, 27
// (Balinese, Syriac (Estrangelo), Hebrew, Latin and Sanskrit). names are
// the held-out groups' names. HoldOut returns an error if ds has no
// groups or split has fewer than n+1 groups (something must be left to
// train on), or if n < 1.
func HoldOut(ds Dataset, split *Split, n int) (kept, held *Split, names []string, err error) {
	gs, ok := ds.(Grouped)
	if !ok {
		return nil, nil, nil, fmt.Errorf("episode: holding alphabets of split %s out, but its dataset has no alphabets (groups of classes)", split.Name)
	}
	present := make([]bool, gs.NumGroups())
	for _, c := range split.Classes {
		present[gs.GroupOf(c.Char)] = true
	}
	var groups []int
	for g, ok := range present {
		if ok {
			groups = append(groups, g)
		}
	}
	switch {
	case n < 1:
		return nil, nil, nil, fmt.Errorf("episode: holding %d alphabets of split %s out, want at least 1", n, split.Name)
	case n >= len(groups):
		return nil, nil, nil, fmt.Errorf("episode: holding %d alphabets of split %s out, but it has %d: want at most %d", n, split.Name, len(groups), len(groups)-1)
	}
	out := make([]bool, gs.NumGroups())
	for i := range n {
		g := groups[(2*i+1)*len(groups)/(2*n)]
		out[g] = true
		names = append(names, gs.GroupName(g))
	}
	kept = &Split{Name: split.Name + "-kept"}
	held = &Split{Name: split.Name + "-held"}
	for _, c := range split.Classes {
		if out[gs.GroupOf(c.Char)] {
			held.Classes = append(held.Classes, c)
		} else {
			kept.Classes = append(kept.Classes, c)
		}
	}
	return kept, held, names, nil
}

// WithRotations returns split with every class's four quarter turns as
// classes of their own, each class followed by its 90°, 180° and 270°
// turns (as NewSplit with rotations 4), named split.Name+"-rot". It
// returns an error if a class of split is turned already or the images of
// ds are not square.
func WithRotations(ds Dataset, split *Split) (*Split, error) {
	chars := make([]int, len(split.Classes))
	for i, c := range split.Classes {
		if c.Rot != 0 {
			return nil, fmt.Errorf("episode: split %s: class %d is turned already (%d°)", split.Name, c.Char, 90*c.Rot)
		}
		chars[i] = c.Char
	}
	return NewSplit(split.Name+"-rot", ds, chars, 4)
}
