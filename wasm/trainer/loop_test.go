package trainer

import (
	"errors"
	"testing"
	"time"
)

func types(ev []Event) []string {
	var s []string
	for _, e := range ev {
		s = append(s, e.Type)
	}
	return s
}

func find(ev []Event, typ string) *Event {
	for i := range ev {
		if ev[i].Type == typ {
			return &ev[i]
		}
	}
	return nil
}

// roundTrip passes each event through its JSON form, as the worker does.
func roundTrip(t *testing.T, ev []Event) []Event {
	t.Helper()
	out := make([]Event, len(ev))
	for i, e := range ev {
		var err error
		if out[i], err = DecodeEvent(Encode(e)); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestLoop(t *testing.T) {
	ds := loadData(t)
	clk := &clock{t: time.Unix(0, 0), step: 10 * time.Millisecond}
	tr, err := New(ds, nil, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLoop(tr, clk.now)
	l.Mem = func() (uint64, uint64) { return 1 << 20, 2 << 20 }
	l.Bundled = func(algo string) (*Weights, error) {
		return nil, errors.New("no bundled " + algo + " weights in this build")
	}

	// Impossible settings are refused before anything starts.
	bad := small("protonet")
	bad.Shot, bad.Query = 10, 11
	ev := roundTrip(t, l.Handle(Command{Type: CmdStart, Config: &bad}))
	if len(ev) != 1 || ev[0].Type != EvInvalid || ev[0].Field != "query" || tr.State() != Idle {
		t.Fatalf("start with K+Q = 21: events %+v, state %s", ev, tr.State())
	}
	bundled := small("protonet")
	bundled.Init = InitBundled
	ev = l.Handle(Command{Type: CmdStart, Config: &bundled})
	if len(ev) != 1 || ev[0].Type != EvInvalid || ev[0].Field != "init" || ev[0].Msg != "no bundled protonet weights in this build" {
		t.Fatalf("start from missing bundled weights: %+v", ev)
	}

	c := small("protonet")
	c.Episodes, c.EvalEvery, c.EvalTasks = 6, 3, 2
	ev = roundTrip(t, l.Handle(Command{Type: CmdStart, Config: &c}))
	if len(ev) != 1 || ev[0].Type != EvState || ev[0].State != Running || ev[0].Total != 6 || !l.Busy() {
		t.Fatalf("start: %+v", ev)
	}
	// Each step reads the clock at least once; a 25 ms budget is a few
	// steps of the fake clock.
	var all []Event
	for l.Busy() {
		all = append(all, roundTrip(t, l.Work(25*time.Millisecond))...)
	}
	var steps []Step
	var evals []int
	for _, e := range all {
		switch e.Type {
		case EvProgress:
			steps = append(steps, e.Steps...)
			if e.HeapBytes != 1<<20 || e.SysBytes != 2<<20 {
				t.Errorf("progress without memory figures: %+v", e)
			}
		case EvEval:
			evals = append(evals, e.Eval.Episode)
			if e.Eval.Acc < 0 || e.Eval.Acc > 1 || e.Eval.Tasks != 2 {
				t.Errorf("eval %+v", e.Eval)
			}
		}
	}
	if len(steps) != 6 || steps[5].Episode != 6 {
		t.Errorf("progress carried %d steps (%+v), want episodes 1..6", len(steps), steps)
	}
	if len(evals) != 2 || evals[0] != 3 || evals[1] != 6 {
		t.Errorf("held-out accuracy at episodes %v, want [3 6]", evals)
	}
	last := all[len(all)-1]
	if last.Type != EvState || last.State != Finished || last.Episodes != 6 {
		t.Errorf("last event %+v, want finished at 6", last)
	}
	if s := find(all, EvSnapshot); s == nil || s.Snapshot.Way != 5 {
		t.Errorf("no snapshot among %v", types(all))
	}

	// Weights out and back in; a broken file keeps the current weights.
	ev = roundTrip(t, l.Handle(Command{Type: CmdWeights, Purpose: "download"}))
	if len(ev) != 1 || ev[0].Type != EvWeights || ev[0].Purpose != "download" || len(ev[0].Data) < 100000 {
		t.Fatalf("weights: %v", types(ev))
	}
	file := ev[0].Data
	ev = l.Handle(Command{Type: CmdLoad, Data: file[:1000]})
	if len(ev) != 1 || ev[0].Type != EvError || tr.Current().Episodes != 6 {
		t.Errorf("load of a truncated file: %+v", ev)
	}
	ev = l.Handle(Command{Type: CmdLoad, Data: file})
	if len(ev) != 1 || ev[0].Type != EvLoaded || ev[0].Msg != "Loaded protonet weights, trained for 6 episodes." {
		t.Errorf("load: %+v", ev)
	}

	// Pause, resume and stop, and commands that do not fit the state.
	c.Episodes, c.EvalEvery, c.Init = 100, 0, InitCurrent
	if ev := l.Handle(Command{Type: CmdStart, Config: &c}); ev[0].State != Running {
		t.Fatalf("second start: %+v", ev)
	}
	l.Work(time.Millisecond)
	ev = l.Handle(Command{Type: CmdPause})
	if e := find(ev, EvState); e == nil || e.State != Paused || l.Busy() {
		t.Errorf("pause: %v", types(ev))
	}
	if ev := l.Handle(Command{Type: CmdPause}); ev[0].Type != EvError {
		t.Errorf("pause while paused: %+v", ev)
	}
	if ev := l.Handle(Command{Type: CmdResume}); find(ev, EvState).State != Running {
		t.Errorf("resume: %+v", ev)
	}
	if ev := l.Handle(Command{Type: CmdStop}); find(ev, EvState).State != Stopped || l.Busy() {
		t.Errorf("stop: %+v", ev)
	}
	if ev := l.Handle(Command{Type: "dance"}); ev[0].Type != EvError {
		t.Errorf("unknown command: %+v", ev)
	}
	// User drawings while idle give a fresh snapshot at once.
	img := make([]byte, 784)
	img[400] = 255
	ev = l.Handle(Command{Type: CmdDrawings, Drawings: &Drawings{Images: [][]byte{img, img}, Labels: []int{0, 1}, Names: []string{"a", "b"}}})
	if len(ev) != 1 || ev[0].Type != EvSnapshot || len(ev[0].Snapshot.UserClasses) != 2 {
		t.Errorf("drawings: %v", types(ev))
	}
}

func TestDecodeCommand(t *testing.T) {
	c := Defaults("fomaml")
	got, err := DecodeCommand(Encode(Command{Type: CmdStart, Config: &c}))
	if err != nil || got.Type != CmdStart || *got.Config != c {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	for _, s := range []string{"", "{", `{"config":{}}`, `{"type":"start","config":{"way":"five"}}`} {
		if _, err := DecodeCommand(s); err == nil {
			t.Errorf("DecodeCommand(%q): no error", s)
		}
	}
}
