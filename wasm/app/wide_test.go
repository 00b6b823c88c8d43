package app

import (
	"errors"
	"strings"
	"testing"
)

// TestWideModel: with 20 classes FOMAML adapts its 20-way model, fetched
// once when first needed, from its learned head; with any other number,
// or with weights trained in the page, or while the wide model cannot be
// had, the algorithm's own 5-way model.
func TestWideModel(t *testing.T) {
	s := newState(t)
	five, twenty := fineTuner(t, 5, 3, 2), fineTuner(t, 20, 4, 2)
	s.Classifiers["fomaml"] = five
	s.notes["fomaml"] = "five-way weights."
	s.SetAlgorithm("fomaml")
	finish := func(what string) {
		t.Helper()
		for n := 0; s.Adapting; n++ {
			s.Tick()
			if n > 50 {
				t.Fatalf("%s: adaptation does not finish", what)
			}
		}
	}
	bar(s, QueryPad, 18)
	addBars(s, 5)
	finish("5 classes")
	if _, _, ok := s.NeedWide(); ok || s.WideInUse() || s.Tuner() != InnerTuner(five) {
		t.Fatalf("5 classes: the wide model is wanted or used")
	}
	addBars(s, 15)
	algo, model, ok := s.NeedWide()
	if !ok || algo != "fomaml" || model != "fomaml-20" {
		t.Fatalf("20 classes: NeedWide = %q, %q, %v", algo, model, ok)
	}
	if _, _, ok := s.NeedWide(); ok {
		t.Fatal("NeedWide again while the model is on its way")
	}
	// Meanwhile the 5-way model adapts from the prototype head.
	finish("20 classes, 5-way model")
	if !strings.Contains(s.HeadNote(), "5-way head and you have 20 classes") || s.WideInUse() {
		t.Errorf("before the wide model: head note %q", s.HeadNote())
	}
	s.SetWide(Weights{Algo: "fomaml", Classifier: twenty, Note: "twenty-way weights."})
	if !s.WideInUse() || s.Tuner() != InnerTuner(twenty) || !s.Adapting {
		t.Fatalf("wide model in use %v, adapting %v", s.WideInUse(), s.Adapting)
	}
	finish("20 classes, 20-way model")
	if !s.HaveResult || len(s.Result.Probs) != 20 || twenty.ProtoHead() {
		t.Fatalf("20-way model: result %v (%d probabilities), prototype head %v", s.HaveResult, len(s.Result.Probs), twenty.ProtoHead())
	}
	if note := s.HeadNote(); !strings.Contains(note, "meta-learned 20-way head") {
		t.Errorf("head note %q", note)
	}
	if !strings.Contains(s.WeightsNote, "FOMAML's 20-way model (fomaml-20): twenty-way weights.") {
		t.Errorf("weights note %q", s.WeightsNote)
	}
	// 19 classes: the 5-way model again, and its note.
	s.DeleteClass(19)
	finish("19 classes")
	if s.WideInUse() || s.Tuner() != InnerTuner(five) || s.WeightsNote != "five-way weights." {
		t.Errorf("19 classes: wide in use %v, note %q", s.WideInUse(), s.WeightsNote)
	}
	addBars(s, 1)
	if !s.WideInUse() {
		t.Error("20 classes again: the wide model, already here, is not in use")
	}
	// Weights trained in the page are the user's choice.
	s.trained["fomaml"] = &trainedWeights{}
	if s.WideInUse() {
		t.Error("weights trained in the page: the wide model is used instead")
	}
	delete(s.trained, "fomaml")
	// A wide model that could not be had leaves the 5-way one, and says why.
	s.SetWide(Weights{Algo: "fomaml", Err: errors.New("assets/models/fomaml-20.safetensors is not in this build")})
	if s.WideInUse() || s.Tuner() != InnerTuner(five) || !strings.Contains(s.WeightsNote, "20-way model is not available (assets/models/fomaml-20.safetensors is not in this build)") {
		t.Errorf("refused wide model: in use %v, note %q", s.WideInUse(), s.WeightsNote)
	}
	if _, _, ok := s.NeedWide(); ok {
		t.Error("a refused wide model is fetched again")
	}
}
