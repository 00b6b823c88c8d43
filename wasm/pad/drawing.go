package pad

// Drawing is the strokes of one drawing being made: Begin starts a stroke,
// Extend adds to it, End finishes it. The zero value is an empty drawing.
type Drawing struct {
	strokes []Stroke
	open    bool
}

// Limits of a drawing, the ones a classes document holds (package
// wasm/classes reads no more): a drawing that reached them takes no more
// ink, so whatever is drawn can be saved and read back.
const (
	MaxStrokes = 200  // strokes of a drawing
	MaxPoints  = 5000 // points of a stroke
)

// minStepPx is the shortest step, in frame pixels, that Extend records:
// finer steps add points without adding shape.
const minStepPx = 0.35

// Begin starts a new stroke at p, ending any stroke still open. A drawing
// of MaxStrokes strokes starts no more (Full).
func (d *Drawing) Begin(p Point) {
	if d.Full() {
		d.open = false
		return
	}
	d.open = true
	d.strokes = append(d.strokes, Stroke{p})
}

// Extend adds p to the open stroke; it does nothing when no stroke is open,
// the stroke has MaxPoints points, or p is closer than a third of a frame
// pixel to the last point.
func (d *Drawing) Extend(p Point) {
	if !d.open {
		return
	}
	s := d.strokes[len(d.strokes)-1]
	if len(s) >= MaxPoints {
		return
	}
	last := s[len(s)-1]
	if dx, dy := p.X-last.X, p.Y-last.Y; dx*dx+dy*dy < minStepPx*minStepPx {
		return
	}
	d.strokes[len(d.strokes)-1] = append(s, p)
}

// End finishes the open stroke. It reports whether a stroke was open.
func (d *Drawing) End() bool {
	was := d.open
	d.open = false
	return was
}

// Full reports whether the drawing has MaxStrokes strokes and so takes no
// new one.
func (d *Drawing) Full() bool { return len(d.strokes) >= MaxStrokes }

// Drawing reports whether a stroke is open (the pen is down).
func (d *Drawing) Drawing() bool { return d.open }

// Undo removes the last stroke (the open one if the pen is down). It
// reports whether there was a stroke to remove.
func (d *Drawing) Undo() bool {
	if len(d.strokes) == 0 {
		return false
	}
	d.strokes = d.strokes[:len(d.strokes)-1]
	d.open = false
	return true
}

// Clear removes every stroke.
func (d *Drawing) Clear() {
	d.strokes = nil
	d.open = false
}

// Empty reports whether the drawing has no stroke.
func (d *Drawing) Empty() bool { return len(d.strokes) == 0 }

// Strokes returns the strokes drawn so far. The slice is the drawing's
// own: callers must not modify it, and it changes with the next call.
func (d *Drawing) Strokes() []Stroke { return d.strokes }

// Set replaces the drawing's strokes with copies of strokes, closed.
func (d *Drawing) Set(strokes []Stroke) {
	d.strokes = make([]Stroke, len(strokes))
	for i, s := range strokes {
		d.strokes[i] = append(Stroke(nil), s...)
	}
	d.open = false
}
