package trainer

import (
	"errors"
	"fmt"
	"time"

	"metaglot/core/algo"
	"metaglot/wasm/trainer/protocol"
)

// Loop drives a Trainer from the page's Commands and reports its work as
// Events. The worker calls Handle for each command and, while Busy, Work
// in slices of a few tens of milliseconds so that commands are read in
// between. Loop is plain Go: the worker only moves messages.
type Loop struct {
	T *Trainer
	// Bundled returns the build's weights for algo (for InitBundled).
	Bundled func(algo string) (*Weights, error)
	// Mem returns the Go heap in use and the memory the runtime holds
	// (nil: not reported).
	Mem func() (heap, sys uint64)
	// ProgressEvery and SnapshotEvery space the progress and snapshot
	// events; 0 means 100 ms and 1 s. Snapshots are spaced at least four
	// times the time the last one took, so that they take at most a fifth
	// of the training time however large the episodes.
	ProgressEvery, SnapshotEvery time.Duration

	now                        func() time.Time
	pending                    []protocol.Step
	cmp                        *compareJob // CmdCompare's measurement in progress (compare.go)
	lastProgress, lastSnapshot time.Time
	snapshotCost               time.Duration
}

// NewLoop returns a Loop over t with the clock now.
func NewLoop(t *Trainer, now func() time.Time) *Loop {
	return &Loop{T: t, now: now}
}

// Busy reports whether the trainer is running (Work has work).
func (l *Loop) Busy() bool { return l.T.State() == protocol.Running || l.cmp != nil }

func (l *Loop) stateEvent(msg string) protocol.Event {
	c := l.T.Config()
	return protocol.Event{Type: protocol.EvState, State: l.T.State(), Msg: msg, Algo: c.Algo, Episodes: l.T.Done(), Total: c.Episodes, Workers: l.T.Workers()}
}

// Handle carries out one command and returns the events it causes.
func (l *Loop) Handle(c protocol.Command) []protocol.Event {
	t := l.T
	fail := func(err error) []protocol.Event { return []protocol.Event{{Type: protocol.EvError, Msg: err.Error()}} }
	switch c.Type {
	case protocol.CmdStart:
		if c.Config == nil {
			return fail(errors.New("start: no settings"))
		}
		cfg := *c.Config
		if err := checkConfig(cfg, c.Init, t.Limits()); err != nil {
			return []protocol.Event{invalid(err)}
		}
		if err := t.SetWorkers(max(c.Workers, 1)); err != nil {
			return []protocol.Event{invalid(err)}
		}
		var bundled *Weights
		if c.Init == protocol.InitBundled {
			if l.Bundled == nil {
				return []protocol.Event{invalid(&protocol.FieldError{Field: "init", Msg: "this page has no bundled weights"})}
			}
			var err error
			if bundled, err = l.Bundled(cfg.Algo); err != nil {
				return []protocol.Event{invalid(&protocol.FieldError{Field: "init", Msg: err.Error()})}
			}
		}
		if err := t.Start(cfg, c.Init, bundled); err != nil {
			return []protocol.Event{invalid(err)}
		}
		l.pending = l.pending[:0]
		l.lastProgress, l.lastSnapshot = l.now(), time.Time{}
		return []protocol.Event{l.stateEvent(t.Note())}
	case protocol.CmdPause, protocol.CmdResume, protocol.CmdStop:
		var err error
		switch c.Type {
		case protocol.CmdPause:
			err = t.Pause()
		case protocol.CmdResume:
			err = t.Resume()
		default:
			err = t.Stop()
		}
		if err != nil {
			return fail(err)
		}
		ev := l.flush()
		if c.Type != protocol.CmdResume {
			ev = append(ev, l.snapshot()...)
		}
		return append(ev, l.stateEvent(""))
	case protocol.CmdWeights:
		b, err := t.Weights()
		if err != nil {
			return fail(err)
		}
		return []protocol.Event{{Type: protocol.EvWeights, Data: b, Purpose: c.Purpose, Algo: t.Current().Algo}}
	case protocol.CmdLoad:
		w, err := t.Load(c.Data)
		if err != nil {
			return fail(fmt.Errorf("the weights were not loaded, the current ones are kept: %w", err))
		}
		msg := fmt.Sprintf("Loaded %s weights", algo.ModelLabel(w.Algo, w.Config))
		if w.Way > 0 {
			msg += fmt.Sprintf(" with a %d-way head", w.Way)
		}
		if w.Episodes > 0 {
			msg += fmt.Sprintf(", trained for %d episodes", w.Episodes)
		}
		return []protocol.Event{{Type: protocol.EvLoaded, Msg: msg + ".", Algo: w.Algo}}
	case protocol.CmdCompare:
		return l.startCompare(c)
	case protocol.CmdDrawings:
		d := c.Drawings
		if d == nil {
			d = &protocol.Drawings{}
		}
		imgs := make([][]float32, len(d.Images))
		for i, b := range d.Images {
			imgs[i] = make([]float32, len(b))
			for j, v := range b {
				imgs[i][j] = float32(v) / 255
			}
		}
		if err := t.SetUserDrawings(imgs, d.Labels, d.Names); err != nil {
			return fail(err)
		}
		if t.State() != protocol.Running {
			return l.snapshot()
		}
		return nil
	}
	return fail(fmt.Errorf("unknown command %q", c.Type))
}

func invalid(err error) protocol.Event {
	var fe *protocol.FieldError
	if errors.As(err, &fe) {
		return protocol.Event{Type: protocol.EvInvalid, Field: fe.Field, Msg: fe.Msg}
	}
	return protocol.Event{Type: protocol.EvInvalid, Msg: err.Error()}
}

// Work trains for about budget (at least one step) and returns the events
// due: progress at most every ProgressEvery, held-out accuracy when due, a
// snapshot at most every SnapshotEvery, and the state when the run ends.
func (l *Loop) Work(budget time.Duration) []protocol.Event {
	if l.cmp != nil {
		return l.compareWork(budget)
	}
	t := l.T
	var ev []protocol.Event
	start := l.now()
	for t.State() == protocol.Running {
		st, val, err := t.Step()
		if err != nil && t.State() != protocol.Running {
			ev = append(ev, l.flush()...)
			ev = append(ev, l.stateEvent(err.Error()))
			return ev
		}
		l.pending = append(l.pending, st)
		if note := t.WorkerNote(); note != "" { // a helper worker was given up
			ev = append(ev, l.flush()...)
			ev = append(ev, l.stateEvent(note))
		}
		if err != nil { // the held-out measurement failed
			ev = append(ev, l.flush()...)
			ev = append(ev, protocol.Event{Type: protocol.EvError, Msg: err.Error()})
		}
		if val != nil {
			ev = append(ev, l.flush()...)
			ev = append(ev, protocol.Event{Type: protocol.EvEval, Eval: val})
		}
		if t.State() != protocol.Running {
			ev = append(ev, l.flush()...)
			ev = append(ev, l.snapshot()...)
			ev = append(ev, l.stateEvent(""))
			return ev
		}
		if l.now().Sub(start) >= budget {
			break
		}
	}
	now := l.now()
	if now.Sub(l.lastProgress) >= orDefault(l.ProgressEvery, 100*time.Millisecond) {
		ev = append(ev, l.flush()...)
	}
	if now.Sub(l.lastSnapshot) >= max(orDefault(l.SnapshotEvery, time.Second), 4*l.snapshotCost) {
		ev = append(ev, l.snapshot()...)
	}
	return ev
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// flush returns the pending steps as a progress event (none if there are
// none).
func (l *Loop) flush() []protocol.Event {
	l.lastProgress = l.now()
	if len(l.pending) == 0 {
		return nil
	}
	e := protocol.Event{Type: protocol.EvProgress, Steps: append([]protocol.Step(nil), l.pending...), Episodes: l.T.Done(), Total: l.T.Config().Episodes, State: l.T.State()}
	if l.Mem != nil {
		e.HeapBytes, e.SysBytes = l.Mem()
	}
	l.pending = l.pending[:0]
	return []protocol.Event{e}
}

func (l *Loop) snapshot() []protocol.Event {
	start := l.now()
	s, err := l.T.Snapshot()
	l.lastSnapshot = l.now()
	l.snapshotCost = l.lastSnapshot.Sub(start)
	if err != nil {
		return nil // no episode yet: nothing to show
	}
	return []protocol.Event{{Type: protocol.EvSnapshot, Snapshot: s}}
}
