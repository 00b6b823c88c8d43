package omniglot

import (
	"fmt"
	"strings"

	"metaglot/core/episode"
)

// Class is one class of a split: character Char (a Dataset character
// number) turned by Rot quarter turns counter-clockwise (0..3; always 0 in
// the Lake splits). It is episode.Class, the class of any data set.
type Class = episode.Class

// Split is a named list of classes of a Dataset, in a fixed order:
// characters in index order, each followed by its other rotations. It is
// episode.Split, what episode.NewSampler draws from.
type Split = episode.Split

// SplitNames returns the names Dataset.Split accepts.
func SplitNames() []string {
	return []string{"vinyals-train", "vinyals-val", "vinyals-trainval", "vinyals-test", "lake-background", "lake-evaluation"}
}

// Split returns the named split (see SplitNames and the package
// documentation). It lists classes whether or not their alphabets are
// loaded; see Missing.
func (d *Dataset) Split(name string) (*Split, error) {
	var keep func(CharacterInfo) bool
	rots := 4
	switch name {
	case "vinyals-train":
		keep = func(c CharacterInfo) bool { return c.Vinyals == "train" }
	case "vinyals-val":
		keep = func(c CharacterInfo) bool { return c.Vinyals == "val" }
	case "vinyals-trainval":
		keep = func(c CharacterInfo) bool { return c.Vinyals == "train" || c.Vinyals == "val" }
	case "vinyals-test":
		keep = func(c CharacterInfo) bool { return c.Vinyals == "test" }
	case "lake-background":
		keep, rots = func(c CharacterInfo) bool { return c.Set == "background" }, 1
	case "lake-evaluation":
		keep, rots = func(c CharacterInfo) bool { return c.Set == "evaluation" }, 1
	default:
		return nil, fmt.Errorf("omniglot: unknown split %q (one of %s)", name, strings.Join(SplitNames(), ", "))
	}
	s := &Split{Name: name}
	for c := range d.chars {
		if keep(d.Character(c)) {
			for r := range rots {
				s.Classes = append(s.Classes, Class{Char: c, Rot: r})
			}
		}
	}
	return s, nil
}

// Alphabets returns the names of the alphabets that s's classes come from,
// in index order: the sheets to load before sampling from s.
func (d *Dataset) Alphabets(s *Split) []string {
	seen := make([]bool, len(d.index.Alphabets))
	for _, c := range s.Classes {
		seen[d.chars[c.Char].alphabet] = true
	}
	var names []string
	for a, ok := range seen {
		if ok {
			names = append(names, d.index.Alphabets[a].Name)
		}
	}
	return names
}

// Missing returns the alphabets of s that are not loaded yet, in index
// order; nil when s can be sampled.
func (d *Dataset) Missing(s *Split) []string {
	var missing []string
	for _, name := range d.Alphabets(s) {
		if !d.Loaded(name) {
			missing = append(missing, name)
		}
	}
	return missing
}

// ClassName names a class the way the Vinyals split files do:
// "Alphabet/characterNN/rotDDD", e.g. "Latin/character07/rot090".
func (d *Dataset) ClassName(c Class) string {
	info := d.Character(c.Char)
	return fmt.Sprintf("%s/%s/rot%03d", info.Alphabet, info.Name, 90*c.Rot)
}
