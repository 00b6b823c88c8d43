package app

import (
	"math"

	"metaglot/core/episode/lakeruns"
)

// The State as window.metaglot shows it to tests (wasm/metaglot_js.go):
// values js.ValueOf takes (numbers, strings, bools, nil, []any,
// map[string]any), a probability of NaN (a class without examples) as
// nil.

// ClassesView returns [{name, examples}] per class.
func (s *State) ClassesView() []any {
	out := make([]any, s.Classes.Len())
	for i := range out {
		c := s.Classes.Class(i)
		out[i] = map[string]any{"name": c.Name, "examples": len(c.Examples)}
	}
	return out
}

// Points returns the number of points drawn on pad p.
func (s *State) Points(p Pad) int {
	n := 0
	for _, st := range s.Pad(p).Strokes() {
		n += len(st)
	}
	return n
}

// ProbabilitiesView returns the last classification, [{name, p}] per
// class, or nil before there is one.
func (s *State) ProbabilitiesView() any {
	if !s.HaveResult {
		return nil
	}
	out := make([]any, len(s.Result.Probs))
	for i, p := range s.Result.Probs {
		out[i] = map[string]any{"name": s.Classes.Class(i).Name, "p": prob(p)}
	}
	return out
}

// AdaptView returns the inner loop of a fine-tuning classifier: {steps,
// lr, defaultSteps, defaultLR, losses, trace, before, after, headWay,
// headNote, bnNote} (before and after nil until classified; headWay the
// classes of the meta-learned head, 0 for the prototype head; headNote as
// HeadNote, bnNote as BNNote), or nil without one.
func (s *State) AdaptView() any {
	t := s.Tuner()
	if t == nil {
		return nil
	}
	probs := func(ps []float64) any {
		if !s.HaveResult || ps == nil {
			return nil
		}
		return probList(ps)
	}
	trace := make([]any, len(s.AdaptTrace))
	for i, row := range s.AdaptTrace {
		trace[i] = probList(row)
	}
	losses := make([]any, len(s.AdaptLosses))
	for i, l := range s.AdaptLosses {
		losses[i] = l
	}
	steps, lr := t.Inner()
	ds, dlr := t.DefaultInner()
	headWay := 0
	if h, ok := t.(headed); ok {
		headWay = h.HeadWay()
	}
	return map[string]any{"steps": steps, "lr": lr, "defaultSteps": ds, "defaultLR": dlr, "losses": losses, "trace": trace,
		"before": probs(s.Result.Before), "after": probs(s.Result.Probs), "headWay": headWay, "headNote": s.HeadNote(), "bnNote": s.BNNote()}
}

func probList(ps []float64) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = prob(p)
	}
	return out
}

// prob is p, or nil for NaN (no examples: no probability).
func prob(p float64) any {
	if math.IsNaN(p) {
		return nil
	}
	return p
}

// LakeRunView returns the Lake et al. run the set is (LakeRun): {run,
// name, alphabet, exampleDrawer, testDrawer (1-based, as the page's labels
// say them), characters [name…] in label order, heldOutDrawers [drawer of
// each held-out drawing, 1-based]}, or nil for any other set.
func (s *State) LakeRunView() any {
	if s.LakeRun == 0 {
		return nil
	}
	r := lakeruns.Runs()[s.LakeRun-1]
	chars := make([]any, len(r.Characters))
	for i, c := range r.Characters {
		chars[i] = c
	}
	held := make([]any, len(s.Omniglot))
	for i, h := range s.Omniglot {
		held[i] = h.Drawer + 1
	}
	return map[string]any{"run": s.LakeRun, "name": r.Name, "alphabet": r.Alphabet, "exampleDrawer": r.Train + 1, "testDrawer": r.Test + 1,
		"characters": chars, "heldOutDrawers": held}
}

// ChallengeView returns the challenge (Challenge): {pos, total, answered,
// done, asked, you, model, guess, modelGuess, answer (the drawing's class,
// once answered, else nil), text (ChallengeText)}, or nil without one.
func (s *State) ChallengeView() any {
	c := s.Challenge
	if c == nil {
		return nil
	}
	v := map[string]any{"pos": c.Pos, "total": len(c.Order), "answered": c.Answered, "done": c.Done(), "asked": c.Asked,
		"you": c.You, "model": c.Model, "guess": nil, "modelGuess": nil, "answer": nil, "text": s.ChallengeText()}
	if c.Answered {
		v["guess"], v["modelGuess"], v["answer"] = c.Guess, c.ModelGuess, s.Omniglot[c.Order[c.Pos]].Class
	}
	return v
}
