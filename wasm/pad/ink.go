package pad

import "image"

// tailSegments is how many segments at the end of a smoothed stroke may
// still move when the stroke gets another point: Chaikin's rounds
// (Stroke.Smooth) rework only the last corners. TestInkTail checks it for
// up to three rounds.
func tailSegments(smooth int) int { return 2*smooth + 2 }

// Ink is the raster of a drawing being made, kept up to date at a cost in
// proportion to what changed rather than to the whole drawing: while the
// pen moves, each Draw adds the new segments of the open stroke and redraws
// only its last few (the ones smoothing may still move). The raster is
// always exactly what Pen.Rasterize would make of the same strokes.
//
// A page shows a pad's ink with it at screen resolution, and copies to the
// screen only the rectangle Draw reports changed.
type Ink struct {
	pen  Pen
	size int

	pix  []float32 // base plus the open stroke's last segments
	base []float32 // every segment that can no longer move

	strokes int   // strokes with segments in base (the last perhaps partly)
	segs    int   // segments of stroke strokes-1 in base
	seen    int   // points of stroke strokes-1 at the last Draw
	last    Point // its last point then
	tail    image.Rectangle
}

// NewInk returns the empty raster of size×size pixels of pen's strokes.
func NewInk(pen Pen, size int) *Ink {
	return &Ink{pen: pen, size: size, pix: make([]float32, size*size), base: make([]float32, size*size)}
}

// Size returns the side of the raster in pixels.
func (k *Ink) Size() int { return k.size }

// Draw brings the raster to the drawing strokes, whose last stroke is still
// being drawn when open, and returns it (size×size values, row-major, 1 is
// ink; the slice is k's own and changes with the next Draw) with the
// rectangle of pixels that changed since the last Draw.
//
// A drawing that only grew since the last Draw (new points on its last
// stroke, new strokes) costs the new segments; any other change (an undo,
// a clear, another drawing) redraws everything.
func (k *Ink) Draw(strokes []Stroke, open bool) (pix []float32, changed image.Rectangle) {
	full := image.Rect(0, 0, k.size, k.size)
	if !k.grew(strokes) {
		clear(k.base)
		k.strokes, k.segs, k.seen, k.tail = 0, 0, 0, image.Rectangle{}
		changed = full
	}
	// Commit what can no longer move into base.
	var committed image.Rectangle
	var tail []Point // the open stroke's moving end, as a smoothed path
	for i := max(k.strokes-1, 0); i < len(strokes); i++ {
		path := strokes[i].Smooth(k.pen.Smooth)
		n := segments(path)
		stable := n
		if open && i == len(strokes)-1 {
			stable = max(0, n-tailSegments(k.pen.Smooth))
			tail = path[stable:]
		}
		from := 0
		if i == k.strokes-1 {
			from = k.segs
		}
		committed = committed.Union(k.draw(k.base, path, from, stable))
		k.strokes, k.segs = i+1, stable
	}
	if n := len(strokes); n > 0 {
		k.seen, k.last = len(strokes[n-1]), strokes[n-1][len(strokes[n-1])-1]
	}
	// pix = base, plus the tail: restore what the old tail covered and
	// what base gained, then draw the new tail.
	restore := k.tail.Union(committed)
	if changed == full {
		restore = full
	}
	for y := restore.Min.Y; y < restore.Max.Y; y++ {
		copy(k.pix[y*k.size+restore.Min.X:y*k.size+restore.Max.X], k.base[y*k.size+restore.Min.X:y*k.size+restore.Max.X])
	}
	k.tail = image.Rectangle{}
	if len(tail) > 0 {
		k.tail = k.draw(k.pix, tail, 0, segments(tail))
	}
	return k.pix, changed.Union(restore).Union(k.tail)
}

// grew reports whether strokes is the drawing of the last Draw with points
// or strokes added, judged by the last stroke seen: still there, as long
// as it was or longer, with the same point where it ended.
func (k *Ink) grew(strokes []Stroke) bool {
	if k.strokes == 0 {
		return true
	}
	if len(strokes) < k.strokes {
		return false
	}
	s := strokes[k.strokes-1]
	return len(s) >= k.seen && k.seen > 0 && s[k.seen-1] == k.last
}

// segments returns the number of capsules Rasterize draws for a smoothed
// path: one per segment, or one dot for a single point.
func segments(path []Point) int {
	if len(path) == 1 {
		return 1
	}
	return max(0, len(path)-1)
}

// draw rasterises capsules [from, to) of the smoothed path into dst and
// returns the rectangle of pixels they may have touched.
func (k *Ink) draw(dst []float32, path []Point, from, to int) image.Rectangle {
	scale := float32(k.size) / FrameSize
	r := k.pen.Width * scale / 2
	var box image.Rectangle
	for i := from; i < to; i++ {
		a := path[i]
		b := a
		if i+1 < len(path) {
			b = path[i+1]
		}
		a, b = Point{a.X * scale, a.Y * scale}, Point{b.X * scale, b.Y * scale}
		box = box.Union(capsule(dst, k.size, a, b, r))
	}
	return box
}
