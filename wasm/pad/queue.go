package pad

import "sync"

// Queue holds pointer events between the browser's event callbacks, which
// Push them, and the page's next Update, which Takes them all and applies
// them in order (Tracker.Apply): no event is lost however the browser
// spaces frames and updates. It is safe for concurrent use; its zero value
// is an empty queue.
type Queue struct {
	mu     sync.Mutex
	events []Event
}

// Push appends e.
func (q *Queue) Push(e Event) {
	q.mu.Lock()
	q.events = append(q.events, e)
	q.mu.Unlock()
}

// Take returns the queued events, oldest first, and empties the queue.
func (q *Queue) Take() []Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.events
	q.events = nil
	return e
}

// Pending reports whether events wait in the queue.
func (q *Queue) Pending() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events) > 0
}

// Down reports whether a pointer holds the pen, counting presses still in
// the queue, and on which pad: when the last press, release or cancel
// queued is a press, down on its pad; otherwise t as it is (a queued
// release may be another pointer's, which ends nothing). The page asks it
// of every move, to map the move onto the pad the stroke is on.
func (q *Queue) Down(t *Tracker) (bool, int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := len(q.events) - 1; i >= 0; i-- {
		switch e := q.events[i]; e.Kind {
		case Press:
			return true, e.Pad
		case Release, Cancel:
			return t.Down()
		}
	}
	return t.Down()
}

// FramePoint maps a position in CSS pixels of the viewport (x, y) onto
// the 105×105 frame of a pad whose box has its top-left corner at (left,
// top) and is w×h: the box's corners are (0, 0) and (FrameSize,
// FrameSize), positions outside it map beyond them. An empty box gives
// (0, 0).
func FramePoint(x, y, left, top, w, h float64) Point {
	if w <= 0 || h <= 0 {
		return Point{}
	}
	return Point{X: float32((x - left) / w * FrameSize), Y: float32((y - top) / h * FrameSize)}
}
