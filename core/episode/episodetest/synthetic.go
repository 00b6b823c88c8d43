// Package episodetest holds a small synthetic data set for tests of code
// that samples episodes: a second episode.Dataset besides Omniglot, in one
// package, with images of any shape, no files and no loading.
package episodetest

import (
	"fmt"

	"metaglot/core/episode"
)

// Synthetic is an episode.Dataset of Classes classes with Items images
// each, of Channels×Height×Width values. Every image is distinct and
// computable from its class and item alone, so a test can check that an
// episode holds the images of its classes and items:
//
//	value (ch, y, x) of item i of class k = Value(k, i, ch, y, x)
//
// before the rotation WriteImage applies (as episode.Rotate turns it).
// Grouped gives it groups, as Omniglot's alphabets: class k is in group
// k mod Groups, named "g0", "g1", ….
type Synthetic struct {
	Classes, Items          int
	Channels, Height, Width int
	Groups                  int
}

// NumClasses returns s.Classes.
func (s *Synthetic) NumClasses() int { return s.Classes }

// ItemsPerClass returns s.Items.
func (s *Synthetic) ItemsPerClass() int { return s.Items }

// ImageShape returns s.Channels, s.Height, s.Width.
func (s *Synthetic) ImageShape() (c, h, w int) { return s.Channels, s.Height, s.Width }

// Value is the value of pixel (y, x) of channel ch of item i of class k,
// unrotated: distinct for every class, item and position of a data set of
// fewer than 1000 classes, 100 items and 100×100 images of 10 channels.
func Value(k, i, ch, y, x int) float32 {
	return float32(k) + float32(i)/100 + float32(ch)/1000 + float32(y*100+x)/1e8
}

// WriteImage writes item i of class k turned by rot quarter turns
// counter-clockwise into dst, as episode.Rotate turns the unrotated image
// (computed here pixel by pixel, without allocating). It panics if k, i
// or rot is out of range, if rot is odd and the images are not square, or
// if len(dst) is not the image size.
func (s *Synthetic) WriteImage(dst []float32, k, i, rot int) {
	c, h, w := s.ImageShape()
	switch {
	case k < 0 || k >= s.Classes || i < 0 || i >= s.Items:
		panic(fmt.Sprintf("episodetest: item %d of class %d, out of range (%d classes of %d items)", i, k, s.Classes, s.Items))
	case rot < 0 || rot > 3 || rot%2 == 1 && h != w:
		panic(fmt.Sprintf("episodetest: %d quarter turns of %dx%d images", rot, h, w))
	case len(dst) != c*h*w:
		panic(fmt.Sprintf("episodetest: WriteImage destination has %d values, want %d", len(dst), c*h*w))
	}
	for ch := range c {
		for y := range h {
			for x := range w {
				sy, sx := y, x // the source pixel of output (y, x)
				switch rot {
				case 1:
					sy, sx = x, w-1-y
				case 2:
					sy, sx = h-1-y, w-1-x
				case 3:
					sy, sx = h-1-x, y
				}
				dst[(ch*h+y)*w+x] = Value(k, i, ch, sy, sx)
			}
		}
	}
}

// Grouped returns s as an episode.Grouped (it needs Groups ≥ 1).
func (s *Synthetic) Grouped() episode.Grouped { return grouped{s} }

type grouped struct{ *Synthetic }

func (g grouped) NumGroups() int         { return g.Groups }
func (g grouped) GroupOf(k int) int      { return k % g.Groups }
func (g grouped) GroupName(n int) string { return fmt.Sprintf("g%d", n) }
