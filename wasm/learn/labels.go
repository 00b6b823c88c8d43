package learn

import (
	"math"
	"math/rand/v2"
	"slices"
)

// The metric picture's labels (each prototype's class, "query", each
// distance) are placed greedily so that no two overlap: each label has a
// list of candidate places around what it names, in order of preference,
// and takes the first that overlaps no label placed before it and stays
// inside the picture; when none does, the one that overlaps least. The
// text's box is estimated from its length (no font metrics in Go): wide
// enough for DejaVu Sans, the widest of the usual sans-serif fonts.

// Box is a rectangle of the picture, in its units (y down).
type Box struct{ X0, Y0, X1, Y1 float64 }

// Overlap is the area a and b share.
func (a Box) Overlap(b Box) float64 {
	w := min(a.X1, b.X1) - max(a.X0, b.X0)
	h := min(a.Y1, b.Y1) - max(a.Y0, b.Y0)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// Area is the box's area.
func (a Box) Area() float64 { return (a.X1 - a.X0) * (a.Y1 - a.Y0) }

// Anchor is SVG's text-anchor: which part of the text its x names.
type Anchor string

// Anchors.
const (
	Start  Anchor = "start"
	Middle Anchor = "middle"
	End    Anchor = "end"
)

// Spot is a place for a label: its SVG text's x, y (the baseline) and
// anchor.
type Spot struct {
	X, Y   float64
	Anchor Anchor
}

// Label is a text to place, its font size (picture units) and weight,
// and its candidate spots, the preferred first.
type Label struct {
	Text  string
	Size  float64
	Bold  bool
	Spots []Spot
}

// TextBox estimates the box text takes at spot s: 0.64 em a character
// (0.72 bold: DejaVu Sans's digits and lower case are 0.55–0.70 em), from
// 0.93 em above the baseline to 0.24 em below (DejaVu Sans's ascent and
// descent: the box a browser gives the text).
func TextBox(text string, size float64, bold bool, s Spot) Box {
	per := 0.64
	if bold {
		per = 0.72
	}
	w := float64(len([]rune(text))) * per * size
	x0 := s.X
	switch s.Anchor {
	case Middle:
		x0 -= w / 2
	case End:
		x0 -= w
	}
	return Box{x0, s.Y - 0.93*size, x0 + w, s.Y + 0.24*size}
}

// Box is l's box at its candidate spot i.
func (l Label) Box(i int) Box { return TextBox(l.Text, l.Size, l.Bold, l.Spots[i]) }

// PlaceLabels chooses a spot for each label, in order (the first placed
// has the first pick): the first candidate whose box overlaps no box
// placed before, no obstacle (the picture's marks: dots and rings) and
// stays inside frame; failing that, the candidate with the least overlap,
// an obstacle's counting a quarter as much as a label's and the part
// outside the frame twice. Then, while that helps, each label whose box
// still overlaps moves to the spot of least overlap with all the others
// as they are. When overlap is left, it tries again with the labels
// taken in other orders (reversed, then a few fixed shuffles) and keeps
// the placement with the least. It returns each label's chosen spot's
// index.
func PlaceLabels(labels []Label, obstacles []Box, frame Box) []int {
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	best, least := placeInOrder(labels, obstacles, frame, order)
	rng := rand.New(rand.NewPCG(1, 2)) // fixed: the same picture every time
	for try := 0; try < 64 && least > 0; try++ {
		if try == 0 {
			slices.Reverse(order)
		} else {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		if c, cost := placeInOrder(labels, obstacles, frame, order); cost < least {
			best, least = c, cost
		}
	}
	return best
}

// placeInOrder is PlaceLabels's greedy placement and improvement with the
// labels taken in the given order; it returns the spots and the overlap
// left between labels (each pair once) and the parts outside the frame,
// twice.
func placeInOrder(labels []Label, obstacles []Box, frame Box, order []int) ([]int, float64) {
	chosen := make([]int, len(labels))
	boxes := make([]Box, len(labels))
	done := make([]bool, len(labels))
	// cost is label i's overlap at spot j with the labels placed (all but
	// itself) and the obstacles, and its part outside the frame.
	cost := func(i, j int, obstacle float64) float64 {
		b := labels[i].Box(j)
		// A unit of room around it: the picture writes positions to a
		// tenth of a unit.
		b = Box{b.X0 - 1, b.Y0 - 1, b.X1 + 1, b.Y1 + 1}
		c := 2 * (b.Area() - b.Overlap(frame))
		for k := range labels {
			if k != i && done[k] {
				c += boxes[k].Overlap(b)
			}
		}
		for _, o := range obstacles {
			c += obstacle * o.Overlap(b)
		}
		return c
	}
	best := func(i int) (int, float64) {
		at, least := 0, math.Inf(1)
		for j := range labels[i].Spots {
			if c := cost(i, j, 0.25); c < least {
				at, least = j, c
				if c == 0 {
					break
				}
			}
		}
		return at, least
	}
	for _, i := range order {
		if len(labels[i].Spots) > 0 {
			chosen[i], _ = best(i)
			boxes[i], done[i] = labels[i].Box(chosen[i]), true
		}
	}
	for range 10 {
		moved := false
		for _, i := range order {
			if !done[i] {
				continue
			}
			now := cost(i, chosen[i], 0.25)
			if now == 0 {
				continue
			}
			if j, c := best(i); c < now {
				chosen[i], boxes[i], moved = j, labels[i].Box(j), true
			}
		}
		if !moved {
			break
		}
	}
	// What is left: the labels' overlap (without the unit of room) and
	// their parts outside the frame.
	left := 0.0
	for i := range labels {
		if !done[i] {
			continue
		}
		left += 2 * (boxes[i].Area() - boxes[i].Overlap(frame))
		for k := i + 1; k < len(labels); k++ {
			if done[k] {
				left += boxes[i].Overlap(boxes[k])
			}
		}
	}
	return chosen, left
}

// around returns spots for a label of a mark of radius r at (x, y):
// beside it (right, then left, or left first when prefer is End), above
// and below, then at the four diagonals, then farther out, all gap
// units from the mark's edge.
func around(x, y, r, size float64, prefer Anchor) []Spot {
	gap := 3.0
	mid := y + 0.35*size // the baseline that centres the text on y
	side := []Spot{{x + r + gap, mid, Start}, {x - r - gap, mid, End}}
	if prefer == End {
		side[0], side[1] = side[1], side[0]
	}
	up, down := y-r-gap-0.24*size, y+r+gap+0.93*size // baselines above and below
	spots := append(side, Spot{x, up, Middle}, Spot{x, down, Middle})
	// The diagonals: the text's corner near the mark's.
	for _, by := range []float64{up, down} {
		for _, s := range side {
			if s.Anchor == Start {
				s.X = x + 0.7*r
			} else {
				s.X = x - 0.7*r
			}
			s.Y = by
			spots = append(spots, s)
		}
	}
	// Beside it a little higher or lower, then farther out: one and two
	// text heights above and below, and the diagonals a text height off.
	for _, dy := range []float64{-0.7, 0.7} {
		for _, s := range side {
			s.Y += dy * size
			spots = append(spots, s)
		}
	}
	for _, k := range []float64{1, 2} {
		spots = append(spots,
			Spot{x, up - k*size, Middle},
			Spot{x, down + k*size, Middle})
		for _, by := range []float64{up - k*size, down + k*size} {
			spots = append(spots, Spot{x + 0.7*r, by, Start}, Spot{x - 0.7*r, by, End})
		}
	}
	return spots
}

// along returns spots for a distance's label on the segment from (x0, y0)
// to (x1, y1): on it at its middle, then nearer either end, then beside
// it, a text's height off, and farther.
func along(x0, y0, x1, y1, size float64) []Spot {
	dx, dy := x1-x0, y1-y0
	n := math.Hypot(dx, dy)
	nx, ny := 0.0, -1.0 // the segment's normal, upwards
	if n > 0 {
		nx, ny = -dy/n, dx/n
		if ny > 0 {
			nx, ny = -nx, -ny
		}
	}
	var spots []Spot
	for _, off := range []float64{0, 0.9, -0.9, 1.9, -1.9, 3, -3, 4.2, -4.2} {
		for _, t := range []float64{0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9} {
			x, y := x0+t*dx+off*size*nx, y0+t*dy+off*size*ny
			spots = append(spots, Spot{x, y + 0.35*size, Middle})
		}
	}
	return spots
}
