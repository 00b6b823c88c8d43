package episode

import "fmt"

// Dataset is what a Sampler draws images from: NumClasses classes, each
// with ItemsPerClass images (Omniglot: 1623 characters drawn by 20 people
// each) of one shape. A data set is one package with a type that has these
// four methods; package omniglot's *Dataset is one, and
// episode/episodetest's Synthetic another.
//
// The class numbers a Dataset uses are the Char of a Class; a Split lists
// the classes an episode may come from (see NewSplit).
type Dataset interface {
	// NumClasses returns the number of classes; classes are 0..NumClasses()−1.
	NumClasses() int
	// ItemsPerClass returns the number of images of every class (at least
	// 1): the most a class can give an episode, Shot+Query.
	ItemsPerClass() int
	// ImageShape returns the shape of one image: channels, height and
	// width, each at least 1. Episode images are N×c×h×w.
	ImageShape() (c, h, w int)
	// WriteImage writes into dst (length c·h·w, channel-major, then rows)
	// image item of class, turned by rot quarter turns counter-clockwise
	// (rot in 0..3; see Rotate), as float32. It may panic if an argument is
	// out of range or if the class's images are not loaded (see Partial):
	// NewSampler checks both before any episode is drawn.
	WriteImage(dst []float32, class, item, rot int)
}

// Grouped is a Dataset whose classes fall into named groups, as Omniglot's
// characters into alphabets. Config.OneAlphabet and Config.Alphabet need it:
// they draw all the classes of an episode from one group.
type Grouped interface {
	Dataset
	// NumGroups returns the number of groups; GroupOf(class) is in
	// [0, NumGroups()), and groups are taken in that order.
	NumGroups() int
	GroupOf(class int) int
	// GroupName returns the name of group g (what Config.Alphabet names).
	GroupName(g int) string
}

// Partial is a Dataset whose images arrive in parts, as the browser
// fetches Omniglot's alphabets one sprite sheet at a time. NewSampler
// refuses a split that needs classes whose images are not in yet.
type Partial interface {
	Dataset
	// HasImages reports whether class's images can be written.
	HasImages(class int) bool
}

// Class is one class of a split: class Char of a Dataset (the name is
// Omniglot's: a character), turned by Rot quarter turns counter-clockwise
// (0..3). Turned versions of one class are distinct classes, as in the
// Prototypical Networks code.
type Class struct {
	Char int
	Rot  int
}

// Split is a named list of the classes of a Dataset an episode may draw
// from, in a fixed order (which, with the seed, fixes the episodes).
type Split struct {
	Name    string
	Classes []Class
}

// NewSplit returns the split name of the given classes of ds, each in
// rotations turns: 1 (unrotated), 2 (0° and 180°) or 4 (0°, 90°, 180°,
// 270°, as Omniglot's Vinyals splits); each class is followed by its
// turned versions. Nil classes means every class of ds, in order. It
// returns an error if a class is out of range or if quarter turns are
// asked of images that are not square.
func NewSplit(name string, ds Dataset, classes []int, rotations int) (*Split, error) {
	if rotations != 1 && rotations != 2 && rotations != 4 {
		return nil, fmt.Errorf("episode: split %s: %d rotations, want 1, 2 or 4", name, rotations)
	}
	if classes == nil {
		classes = make([]int, ds.NumClasses())
		for i := range classes {
			classes[i] = i
		}
	}
	step := 4 / rotations // quarter turns between two rotations
	s := &Split{Name: name, Classes: make([]Class, 0, len(classes)*rotations)}
	for _, c := range classes {
		for r := range rotations {
			s.Classes = append(s.Classes, Class{Char: c, Rot: r * step})
		}
	}
	if err := checkClasses(ds, s); err != nil {
		return nil, err
	}
	return s, nil
}

// checkClasses returns an error naming the first class of s that ds cannot
// give: out of range, a rotation outside 0..3, or a quarter turn of images
// that are not square.
func checkClasses(ds Dataset, s *Split) error {
	_, h, w := ds.ImageShape()
	n := ds.NumClasses()
	for i, c := range s.Classes {
		switch {
		case c.Char < 0 || c.Char >= n:
			return fmt.Errorf("episode: split %s: class %d (position %d) is outside the dataset's %d classes", s.Name, c.Char, i, n)
		case c.Rot < 0 || c.Rot > 3:
			return fmt.Errorf("episode: split %s: class %d turned %d quarter turns, want 0 to 3", s.Name, c.Char, c.Rot)
		case c.Rot%2 == 1 && h != w:
			return fmt.Errorf("episode: split %s: class %d turned %d°, but the dataset's %dx%d images are not square", s.Name, c.Char, 90*c.Rot, h, w)
		}
	}
	return nil
}

// checkShape returns an error if ds's image shape or items per class are
// not positive.
func checkShape(ds Dataset) error {
	c, h, w := ds.ImageShape()
	if c < 1 || h < 1 || w < 1 {
		return fmt.Errorf("episode: dataset images are %dx%dx%d, want every dimension at least 1", c, h, w)
	}
	if n := ds.ItemsPerClass(); n < 1 {
		return fmt.Errorf("episode: dataset has %d images per class, want at least 1", n)
	}
	return nil
}

// Rotate writes into dst the c×h×w image src turned by rot quarter turns
// counter-clockwise, channel by channel: output pixel (y, x) is src pixel
//
//	rot 0: (y, x)    rot 1: (x, w−1−y)    rot 2: (h−1−y, w−1−x)    rot 3: (h−1−x, y)
//
// (a turn by 1 or 3 needs h = w). It is the rotation Omniglot's WriteImage
// applies, for a Dataset that keeps its images as float32. dst and src
// must not overlap. It panics if len(src) or len(dst) is not c·h·w, if rot
// is outside 0..3, or if rot is odd and h ≠ w.
func Rotate(dst, src []float32, c, h, w, rot int) {
	n := c * h * w
	switch {
	case len(src) != n || len(dst) != n:
		panic(fmt.Sprintf("episode: Rotate of %dx%dx%d images: src has %d values, dst %d, want %d", c, h, w, len(src), len(dst), n))
	case rot < 0 || rot > 3:
		panic(fmt.Sprintf("episode: rotation %d quarter turns out of range [0, 4)", rot))
	case rot%2 == 1 && h != w:
		panic(fmt.Sprintf("episode: a quarter turn of a %dx%d image", h, w))
	}
	for ch := range c {
		s, d := src[ch*h*w:(ch+1)*h*w], dst[ch*h*w:(ch+1)*h*w]
		switch rot {
		case 0:
			copy(d, s)
		case 1:
			for y := range h {
				for x := range w {
					d[y*w+x] = s[x*w+w-1-y]
				}
			}
		case 2:
			for i, v := range s {
				d[len(s)-1-i] = v
			}
		case 3:
			for y := range h {
				for x := range w {
					d[y*w+x] = s[(h-1-x)*w+y]
				}
			}
		}
	}
}
