package pad

import "testing"

// TestTracker replays pointer sequences and checks what reaches the
// drawing: the page's bugs of issue #19 were a release nobody saw (the
// stroke stayed open and a move with no button pressed drew on) and a
// second pointer taking over the pen.
func TestTracker(t *testing.T) {
	p := Point{10, 20}
	type step struct {
		e    Event
		want Action
		pad  int
	}
	cases := map[string][]step{
		"press, move, release": {
			{Event{Press, 1, 0, p}, Begin, 0},
			{Event{Move, 1, 0, p}, Extend, 0},
			{Event{Release, 1, 0, p}, End, 0},
		},
		"a move after the release draws nothing": {
			{Event{Press, 1, 1, p}, Begin, 1},
			{Event{Release, 1, 1, p}, End, 1},
			{Event{Move, 1, 1, p}, Ignore, 0},
			{Event{Move, 1, 0, p}, Ignore, 0},
		},
		"moves go to the pad pressed": {
			{Event{Press, 3, 1, p}, Begin, 1},
			{Event{Move, 3, 0, p}, Extend, 1},
			{Event{Release, 3, 0, p}, End, 1},
		},
		"a second finger neither draws nor ends the stroke": {
			{Event{Press, 1, 0, p}, Begin, 0},
			{Event{Press, 2, 1, p}, Ignore, 0},
			{Event{Move, 2, 1, p}, Ignore, 0},
			{Event{Release, 2, 1, p}, Ignore, 0},
			{Event{Move, 1, 0, p}, Extend, 0},
			{Event{Release, 1, 0, p}, End, 0},
			{Event{Press, 2, 1, p}, Begin, 1},
		},
		"a cancelled pointer ends the stroke": {
			{Event{Press, 5, 0, p}, Begin, 0},
			{Event{Cancel, 5, 0, p}, End, 0},
			{Event{Move, 5, 0, p}, Ignore, 0},
		},
		"a release without a press does nothing": {
			{Event{Release, 1, 0, p}, Ignore, 0},
			{Event{Cancel, 1, 0, p}, Ignore, 0},
		},
	}
	for name, steps := range cases {
		var tr Tracker
		for i, s := range steps {
			got, pad := tr.Apply(s.e)
			if got != s.want || pad != s.pad {
				t.Errorf("%s: step %d (%+v): got action %d on pad %d, want %d on pad %d", name, i, s.e, got, pad, s.want, s.pad)
			}
		}
	}
}

func TestTrackerDown(t *testing.T) {
	var tr Tracker
	if down, _ := tr.Down(); down {
		t.Fatal("the zero Tracker holds a pointer")
	}
	tr.Apply(Event{Kind: Press, Pointer: 7, Pad: 1})
	if down, pad := tr.Down(); !down || pad != 1 {
		t.Fatalf("after a press on pad 1: Down() = %v, %d", down, pad)
	}
	tr.Apply(Event{Kind: Release, Pointer: 7})
	if down, _ := tr.Down(); down {
		t.Fatal("still down after the release")
	}
}
