package pad

// EventKind is what happened to a pointer.
type EventKind uint8

// The pointer events a page reports. Press comes from a pointer pressed on a
// pad; Move, Release and Cancel come from wherever the pointer is (the page
// captures the pointer and listens on the whole window), so that the pen is
// never lost over other controls or outside the window.
const (
	Press   EventKind = iota + 1 // button or contact down on a pad
	Move                         // the pointer moved while pressed
	Release                      // button or contact up, anywhere
	Cancel                       // the browser took the pointer (a gesture, a lost capture)
)

// Event is one pointer event, in frame coordinates of the pad it concerns:
// the pad pressed for Press, and for the others the pad that holds the pen
// (the page maps every position onto that pad's frame, inside it or not).
type Event struct {
	Kind    EventKind
	Pointer int // the browser's pointerId: mouse, each finger and each stylus differ
	Pad     int // the pad, by index
	At      Point
}

// Action is what an event does to the drawing of pad Pad.
type Action uint8

// Actions returned by Tracker.Apply.
const (
	Ignore Action = iota // nothing
	Begin                // start a stroke at the event's point
	Extend               // add the point to the open stroke
	End                  // finish the open stroke (the point is not added)
)

// Tracker follows the one pointer that holds the pen. A press on a pad
// while no pointer holds the pen takes it; moves of that pointer extend the
// stroke; its release or cancellation ends it. Events of every other
// pointer (a second finger, the mouse while a stylus draws) are ignored, and
// so is a move with no pointer holding the pen: after a release, the pen
// draws nothing until the next press. The zero value holds no pointer.
type Tracker struct {
	down    bool
	pointer int
	pad     int
}

// Apply takes the next event and returns what it does and to which pad.
func (t *Tracker) Apply(e Event) (Action, int) {
	switch e.Kind {
	case Press:
		if t.down {
			return Ignore, 0
		}
		t.down, t.pointer, t.pad = true, e.Pointer, e.Pad
		return Begin, e.Pad
	case Move:
		if t.down && e.Pointer == t.pointer {
			return Extend, t.pad
		}
	case Release, Cancel:
		if t.down && e.Pointer == t.pointer {
			t.down = false
			return End, t.pad
		}
	}
	return Ignore, 0
}

// Down reports whether a pointer holds the pen, and on which pad.
func (t *Tracker) Down() (bool, int) { return t.down, t.pad }
