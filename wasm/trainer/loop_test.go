package trainer

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"metaglot/wasm/trainer/protocol"
)

func types(ev []protocol.Event) []string {
	var s []string
	for _, e := range ev {
		s = append(s, e.Type)
	}
	return s
}

func find(ev []protocol.Event, typ string) *protocol.Event {
	for i := range ev {
		if ev[i].Type == typ {
			return &ev[i]
		}
	}
	return nil
}

// roundTrip passes each event through its JSON form, as the worker does.
func roundTrip(t *testing.T, ev []protocol.Event) []protocol.Event {
	t.Helper()
	out := make([]protocol.Event, len(ev))
	for i, e := range ev {
		var err error
		if out[i], err = protocol.DecodeEvent(protocol.Encode(e)); err != nil {
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
	ev := roundTrip(t, l.Handle(protocol.Command{Type: protocol.CmdStart, Config: &bad}))
	if len(ev) != 1 || ev[0].Type != protocol.EvInvalid || ev[0].Field != "query" || tr.State() != protocol.Idle {
		t.Fatalf("start with K+Q = 21: events %+v, state %s", ev, tr.State())
	}
	bundled := small("protonet")
	ev = l.Handle(protocol.Command{Type: protocol.CmdStart, Config: &bundled, Init: protocol.InitBundled})
	if len(ev) != 1 || ev[0].Type != protocol.EvInvalid || ev[0].Field != "init" || ev[0].Msg != "no bundled protonet weights in this build" {
		t.Fatalf("start from missing bundled weights: %+v", ev)
	}

	c := small("protonet")
	c.Episodes, c.ValEvery, c.ValEpisodes = 6, 3, 2
	ev = roundTrip(t, l.Handle(protocol.Command{Type: protocol.CmdStart, Config: &c}))
	if len(ev) != 1 || ev[0].Type != protocol.EvState || ev[0].State != protocol.Running || ev[0].Total != 6 || !l.Busy() {
		t.Fatalf("start: %+v", ev)
	}
	// Each step reads the clock at least once; a 25 ms budget is a few
	// steps of the fake clock.
	var all []protocol.Event
	for l.Busy() {
		all = append(all, roundTrip(t, l.Work(25*time.Millisecond))...)
	}
	var steps []protocol.Step
	var evals []int
	for _, e := range all {
		switch e.Type {
		case protocol.EvProgress:
			steps = append(steps, e.Steps...)
			if e.HeapBytes != 1<<20 || e.SysBytes != 2<<20 {
				t.Errorf("progress without memory figures: %+v", e)
			}
		case protocol.EvEval:
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
	if last.Type != protocol.EvState || last.State != protocol.Finished || last.Episodes != 6 {
		t.Errorf("last event %+v, want finished at 6", last)
	}
	if s := find(all, protocol.EvSnapshot); s == nil || s.Snapshot.Way != 5 {
		t.Errorf("no snapshot among %v", types(all))
	}

	// Weights out and back in; a broken file keeps the current weights.
	ev = roundTrip(t, l.Handle(protocol.Command{Type: protocol.CmdWeights, Purpose: "download"}))
	if len(ev) != 1 || ev[0].Type != protocol.EvWeights || ev[0].Purpose != "download" || len(ev[0].Data) < 100000 {
		t.Fatalf("weights: %v", types(ev))
	}
	file := ev[0].Data
	ev = l.Handle(protocol.Command{Type: protocol.CmdLoad, Data: file[:1000]})
	if len(ev) != 1 || ev[0].Type != protocol.EvError || tr.Current().Episodes != 6 {
		t.Errorf("load of a truncated file: %+v", ev)
	}
	ev = l.Handle(protocol.Command{Type: protocol.CmdLoad, Data: file})
	if len(ev) != 1 || ev[0].Type != protocol.EvLoaded || ev[0].Msg != "Loaded ProtoNet weights, trained for 6 episodes." {
		t.Errorf("load: %+v", ev)
	}

	// Loaded weights are shown on the last episode, with the user's
	// drawings projected.
	img0 := make([]byte, 784)
	img0[300] = 255
	ev = l.Handle(protocol.Command{Type: protocol.CmdDrawings, Drawings: &protocol.Drawings{Images: [][]byte{img0}, Labels: []int{0}, Names: []string{"mine"}}})
	if len(ev) != 1 || ev[0].Type != protocol.EvSnapshot || len(ev[0].Snapshot.UserClasses) != 1 {
		t.Errorf("drawings after a load: %v", types(ev))
	}

	// Pause, resume and stop, and commands that do not fit the state.
	c.Episodes, c.ValEvery = 100, 0
	if ev := l.Handle(protocol.Command{Type: protocol.CmdStart, Config: &c, Init: protocol.InitCurrent}); ev[0].State != protocol.Running {
		t.Fatalf("second start: %+v", ev)
	}
	l.Work(time.Millisecond)
	ev = l.Handle(protocol.Command{Type: protocol.CmdPause})
	if e := find(ev, protocol.EvState); e == nil || e.State != protocol.Paused || l.Busy() {
		t.Errorf("pause: %v", types(ev))
	}
	if ev := l.Handle(protocol.Command{Type: protocol.CmdPause}); ev[0].Type != protocol.EvError {
		t.Errorf("pause while paused: %+v", ev)
	}
	if ev := l.Handle(protocol.Command{Type: protocol.CmdResume}); find(ev, protocol.EvState).State != protocol.Running {
		t.Errorf("resume: %+v", ev)
	}
	if ev := l.Handle(protocol.Command{Type: protocol.CmdStop}); find(ev, protocol.EvState).State != protocol.Stopped || l.Busy() {
		t.Errorf("stop: %+v", ev)
	}
	if ev := l.Handle(protocol.Command{Type: "dance"}); ev[0].Type != protocol.EvError {
		t.Errorf("unknown command: %+v", ev)
	}
	// User drawings while idle give a fresh snapshot at once.
	img := make([]byte, 784)
	img[400] = 255
	ev = l.Handle(protocol.Command{Type: protocol.CmdDrawings, Drawings: &protocol.Drawings{Images: [][]byte{img, img}, Labels: []int{0, 1}, Names: []string{"a", "b"}}})
	if len(ev) != 1 || ev[0].Type != protocol.EvSnapshot || len(ev[0].Snapshot.UserClasses) != 2 {
		t.Errorf("drawings: %v", types(ev))
	}
}

// TestLoadedNamesTheModel: the worker's message names a loaded model as
// the page does (algo.ModelLabel), not by its algorithm alone: a FOMAML
// with a prototype head, meta-trained from a ProtoNet, is fo-Proto-MAML.
func TestLoadedNamesTheModel(t *testing.T) {
	data, err := os.ReadFile("../../assets/models/fo-proto-maml.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(loadData(t), nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	ev := NewLoop(tr, time.Now).Handle(protocol.Command{Type: protocol.CmdLoad, Data: data})
	if len(ev) != 1 || ev[0].Type != protocol.EvLoaded || !strings.HasPrefix(ev[0].Msg, "Loaded fo-Proto-MAML weights, trained for ") {
		t.Errorf("load of fo-proto-maml.safetensors: %+v", ev)
	}
}
