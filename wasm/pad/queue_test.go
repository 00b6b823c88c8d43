package pad

import (
	"sync"
	"testing"
)

func TestQueue(t *testing.T) {
	var q Queue
	var tr Tracker
	if q.Pending() || len(q.Take()) != 0 {
		t.Fatal("the zero Queue holds events")
	}
	if down, _ := q.Down(&tr); down {
		t.Fatal("down with nothing pressed")
	}
	q.Push(Event{Kind: Press, Pointer: 1, Pad: 1})
	if down, p := q.Down(&tr); !down || p != 1 {
		t.Fatalf("a queued press on pad 1: %v %d", down, p)
	}
	q.Push(Event{Kind: Move, Pointer: 1, Pad: 1, At: Point{X: 3}})
	if down, p := q.Down(&tr); !down || p != 1 {
		t.Fatalf("a move after the press: %v %d", down, p)
	}
	q.Push(Event{Kind: Release, Pointer: 1})
	if down, _ := q.Down(&tr); down {
		t.Fatal("pressed and released in the queue: still down")
	}
	events := q.Take()
	if len(events) != 3 || events[1].At.X != 3 || q.Pending() {
		t.Fatalf("took %v, pending %v", events, q.Pending())
	}
	// Applied in order: a stroke begun and ended.
	var acts []Action
	for _, e := range events {
		a, _ := tr.Apply(e)
		acts = append(acts, a)
	}
	if acts[0] != Begin || acts[1] != Extend || acts[2] != End {
		t.Fatalf("actions %v", acts)
	}
	// The tracker down on pad 0 and another pointer's release queued: the
	// stroke goes on.
	tr.Apply(Event{Kind: Press, Pointer: 5, Pad: 0})
	q.Push(Event{Kind: Release, Pointer: 9})
	if down, p := q.Down(&tr); !down || p != 0 {
		t.Fatalf("another pointer's release: %v %d", down, p)
	}
}

// Events pushed from many goroutines all come out, each once.
func TestQueueConcurrent(t *testing.T) {
	var q Queue
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				q.Push(Event{Kind: Move, Pointer: g, At: Point{X: float32(i)}})
			}
		}()
	}
	n := 0
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-done:
			n += len(q.Take())
			if n != 800 {
				t.Fatalf("%d events came out of 800", n)
			}
			return
		default:
			n += len(q.Take())
		}
	}
}

func TestFramePoint(t *testing.T) {
	for _, tc := range []struct {
		x, y, left, top, w, h float64
		want                  Point
	}{
		{100, 50, 100, 50, 210, 210, Point{0, 0}},
		{310, 260, 100, 50, 210, 210, Point{FrameSize, FrameSize}},
		{205, 155, 100, 50, 210, 210, Point{52.5, 52.5}},
		{90, 50, 100, 50, 105, 105, Point{-10, 0}}, // left of the pad: beyond the frame
		{10, 10, 0, 0, 0, 0, Point{}},              // a pad not shown
	} {
		if got := FramePoint(tc.x, tc.y, tc.left, tc.top, tc.w, tc.h); got != tc.want {
			t.Errorf("FramePoint(%v, %v in %v,%v %vx%v) = %v, want %v", tc.x, tc.y, tc.left, tc.top, tc.w, tc.h, got, tc.want)
		}
	}
}
