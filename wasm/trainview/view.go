package trainview

import (
	"fmt"

	"metaglot/core/algo"

	"metaglot/wasm/trainer/protocol"
)

// View is what the Train view shows, built from the worker's events.
type View struct {
	Ready   bool   // the worker has loaded the images
	Loading string // what the worker is loading, until Ready
	Limits  protocol.Limits

	State    protocol.State
	Algo     string
	Episodes int // episodes of the run done
	Total    int // episodes planned
	Last     protocol.Step
	History  History
	Snapshot *protocol.Snapshot
	// HaveWeights says the worker holds weights (trained or loaded) to
	// download or classify with.
	HaveWeights bool

	// Message is the outcome of the last action, for the page's live
	// region; Field names the form field an invalid start was refused
	// for ("" for none).
	Message string
	Field   string

	// HeapBytes and SysBytes are the worker's Go heap and runtime memory,
	// WasmBytes its WebAssembly memory, as last reported.
	HeapBytes, SysBytes, WasmBytes uint64

	// Version grows with every change of what the pictures show (the
	// charts, the episode, the embedding).
	Version int
}

// Busy reports whether a run is going (running or paused).
func (v *View) Busy() bool { return v.State == protocol.Running || v.State == protocol.Paused }

// Apply folds an event into v. It returns the weights file of an
// EvWeights event (nil otherwise): what to do with it is the page's
// business (download it, classify with it).
func (v *View) Apply(e protocol.Event) []byte {
	switch e.Type {
	case protocol.EvLoading:
		v.Loading = e.Msg
	case protocol.EvReady:
		v.Ready, v.Loading = true, ""
		if e.Limits != nil {
			v.Limits = *e.Limits
		}
		if v.State == "" {
			v.State = protocol.Idle
		}
	case protocol.EvState:
		if e.State == protocol.Running && !v.Busy() { // a new run
			v.History.Reset()
			if spec, err := algo.Lookup(e.Algo); err == nil {
				v.History.Adapts = spec.Caps.Adapts
			}
			v.Snapshot, v.Last = nil, protocol.Step{}
			v.Version++
		}
		v.State, v.Algo, v.Episodes, v.Total = e.State, e.Algo, e.Episodes, e.Total
		v.Field = ""
		v.Message = stateMessage(e)
	case protocol.EvInvalid:
		v.Field, v.Message = e.Field, "Not started: "+e.Msg
	case protocol.EvProgress:
		for _, s := range e.Steps {
			v.History.Add(s)
			v.Last = s
		}
		v.HaveWeights = v.HaveWeights || len(e.Steps) > 0
		v.Episodes, v.Total = e.Episodes, e.Total
		v.HeapBytes, v.SysBytes = e.HeapBytes, e.SysBytes
		v.Version++
	case protocol.EvEval:
		if e.Eval != nil {
			v.History.Evals = append(v.History.Evals, *e.Eval)
			v.Version++
		}
	case protocol.EvSnapshot:
		v.Snapshot = e.Snapshot
		v.Version++
	case protocol.EvLoaded:
		v.Message, v.Field, v.HaveWeights = e.Msg, "", true
	case protocol.EvWeights:
		return e.Data
	case protocol.EvError:
		v.Message = e.Msg
	}
	return nil
}

func stateMessage(e protocol.Event) string {
	name := AlgoLabel(e.Algo)
	switch e.State {
	case protocol.Running:
		if e.Msg != "" {
			return fmt.Sprintf("Training %s (%s).", name, e.Msg)
		}
		return fmt.Sprintf("Training %s.", name)
	case protocol.Paused:
		return fmt.Sprintf("Paused after %d of %d episodes.", e.Episodes, e.Total)
	case protocol.Stopped:
		return fmt.Sprintf("Stopped after %d episodes; the weights trained so far are kept.", e.Episodes)
	case protocol.Finished:
		return fmt.Sprintf("Finished: %d episodes trained.", e.Episodes)
	case protocol.Diverged:
		return "Training diverged and stopped: " + e.Msg
	}
	return e.Msg
}

// AlgoLabel returns the label of the registered algorithm named a
// (core/algo: "FOMAML"), or a itself when there is none.
func AlgoLabel(a string) string {
	if s, err := algo.Lookup(a); err == nil {
		return s.Label
	}
	return a
}

// Status returns the one-line counter of the view, e.g. "episode 120 of
// 1000 · loss 0.412 (smoothed 0.455) · accuracy 86% (smoothed 83%)".
func (v *View) Status() string {
	if !v.Ready {
		if v.Loading != "" {
			return v.Loading
		}
		return "Starting the trainer…"
	}
	p, ok := v.History.Last()
	if !ok {
		return fmt.Sprintf("%s: no episodes yet.", v.State)
	}
	s := fmt.Sprintf("%s · episode %d of %d · loss %.3f (smoothed %.3f) · accuracy %.0f%% (smoothed %.0f%%)",
		v.State, v.Episodes, v.Total, v.Last.Loss, p.SmoothLoss, 100*v.Last.Acc, 100*p.SmoothAc)
	if n := len(v.History.Evals); n > 0 {
		e := v.History.Evals[n-1]
		s += fmt.Sprintf(" · held-out %.1f%% ± %.1f", 100*e.Acc, 100*e.CI95)
		if v.History.Adapts {
			s += fmt.Sprintf(" (before adaptation %.1f%%)", 100*e.Before)
		}
	}
	return s
}

// Summary returns the view's state as window.metaglot.train shows it to
// tests: {ready, state, algorithm, episodes, total, steps, lastLoss,
// lastAcc, smoothedLoss, smoothedAcc, heldOut [{episode, acc, ci95, and
// for a learner that adapts by inner steps before: the accuracy with 0
// steps}], adapts,
// message, snapshotEpisode (−1 before the first), userPoints (the user's
// drawings in the embedding view), heapBytes, sysBytes}. Its values are
// those js.ValueOf takes.
func (v *View) Summary() map[string]any {
	p, _ := v.History.Last()
	held := []any{}
	for _, e := range v.History.Evals {
		m := map[string]any{"episode": e.Episode, "acc": e.Acc, "ci95": e.CI95}
		if v.History.Adapts {
			m["before"] = e.Before
		}
		held = append(held, m)
	}
	snap, user := -1, 0
	if v.Snapshot != nil {
		snap = v.Snapshot.Episode
		for _, p := range v.Snapshot.Points {
			if p.Kind == protocol.UserPoint {
				user++
			}
		}
	}
	return map[string]any{
		"ready": v.Ready, "state": string(v.State), "algorithm": v.Algo,
		"episodes": v.Episodes, "total": v.Total, "steps": v.History.Steps(),
		"lastLoss": v.Last.Loss, "lastAcc": v.Last.Acc, "smoothedLoss": p.SmoothLoss, "smoothedAcc": p.SmoothAc,
		"heldOut": held, "adapts": v.History.Adapts, "message": v.Message, "snapshotEpisode": snap, "userPoints": user,
		"heapBytes": v.HeapBytes, "sysBytes": v.SysBytes,
	}
}
