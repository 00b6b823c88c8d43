package app

import (
	"math"
	"strings"
	"testing"
)

func TestExposed(t *testing.T) {
	s := newState(t)
	if s.ProbabilitiesView() != nil || s.AdaptView() != nil {
		t.Fatal("views before a classification, or an inner loop for ProtoNet")
	}
	s.AddClass()
	s.AddClass()
	circle(s, DrawPad, 30)
	s.Select(0)
	s.AddExample()
	circle(s, QueryPad, 25)
	if n := s.Points(QueryPad); n != 41 {
		t.Errorf("%d points on the query pad, want 41", n)
	}
	cl := s.ClassesView()
	if len(cl) != 2 || cl[0].(map[string]any)["examples"] != 1 || cl[1].(map[string]any)["examples"] != 0 {
		t.Fatalf("classes %v", cl)
	}
	ps, ok := s.ProbabilitiesView().([]any)
	if !ok || len(ps) != 2 {
		t.Fatalf("probabilities %v (%s)", s.ProbabilitiesView(), s.Hint)
	}
	if p := ps[0].(map[string]any)["p"]; p != 1.0 {
		t.Errorf("the only class with examples: p %v", p)
	}
	if p := ps[1].(map[string]any)["p"]; p != nil {
		t.Errorf("a class without examples: p %v, want nil", p)
	}
	if got := probList([]float64{0.5, math.NaN()}); got[0] != 0.5 || got[1] != nil {
		t.Errorf("probList %v", got)
	}

	s.SetWeights(BundledWeights("fomaml", "f.st", weightsFile(t, "fomaml", "3"), nil))
	s.SetAlgorithm("fomaml")
	a := s.AdaptView().(map[string]any)
	if a["defaultSteps"] != 7 || a["defaultLR"] != 0.003 || a["before"] != nil || a["after"] != nil {
		t.Fatalf("adapt before classifying: %v", a)
	}
	// One class with examples: not the 5 of the learned head.
	if a["headWay"] != 5 || !strings.Contains(a["headNote"].(string), "prototype head") {
		t.Errorf("head: %v, %q", a["headWay"], a["headNote"])
	}
}
