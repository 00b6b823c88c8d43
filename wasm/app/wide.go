package app

import "fmt"

// WideModels names, for each algorithm that adapts by inner steps, its
// bundled model meta-trained on WideWay-way tasks (a learned 20-way head;
// fomaml-20 and reptile-20 in assets/models). A learned head answers only
// its own number of classes: with 20 classes the 5-way model can only
// start its inner loop from the prototype head, which serves Reptile's
// 5-way model poorly in 20-way tasks, while the 20-way model starts from
// its meta-learned head (the README's accuracy table has both). So with WideWay
// classes with examples the page adapts the wide model, fetched when
// first needed (NeedWide); with any other number, the algorithm's own.
var WideModels = map[string]string{"fomaml": "fomaml-20", "reptile": "reptile-20"}

// WideWay is the number of classes of WideModels' heads.
const WideWay = 20

// classesWithExamples counts the classes that have examples (those a
// classifier sees).
func (s *State) classesWithExamples() int {
	n := 0
	for _, ex := range s.supportImages() {
		if len(ex) > 0 {
			n++
		}
	}
	return n
}

// wideApplies reports whether the algorithm in use would adapt its wide
// model now: it has one, its own weights are the bundled ones (weights
// trained in the page are the user's choice and stay in use), and
// WideWay classes have examples.
func (s *State) wideApplies() bool {
	_, has := WideModels[s.Algorithm]
	return has && s.trained[s.Algorithm] == nil && s.classesWithExamples() == WideWay
}

// current returns the classifier in use: the algorithm's wide model when
// it applies and is loaded, else the algorithm's classifier (ok false if
// it has none yet).
func (s *State) current() (c Classifier, ok bool) {
	if s.wideApplies() {
		if w, ok := s.wide[s.Algorithm]; ok && w.Err == nil {
			return w.Classifier, true
		}
	}
	c, ok = s.Classifiers[s.Algorithm]
	return c, ok
}

// WideInUse reports whether the classifier in use is the algorithm's wide
// model (WideModels).
func (s *State) WideInUse() bool {
	if !s.wideApplies() {
		return false
	}
	w, ok := s.wide[s.Algorithm]
	return ok && w.Err == nil
}

// NeedWide returns the algorithm whose wide model the page should fetch
// now, and its name (ok false if none): it applies (wideApplies) and is
// not here, refused or on its way. It then counts as on its way. Until it
// arrives, or if it cannot be had, the algorithm's own model adapts from
// the prototype head.
func (s *State) NeedWide() (algo, model string, ok bool) {
	if !s.wideApplies() {
		return "", "", false
	}
	a := s.Algorithm
	if _, have := s.wide[a]; have || s.wideLoading[a] {
		return "", "", false
	}
	if s.wideLoading == nil {
		s.wideLoading = map[string]bool{}
	}
	s.wideLoading[a] = true
	return a, WideModels[a], true
}

// SetWide puts the wide model w of w.Algo in place (BundledWeights of its
// file), or keeps why it could not be had (w.Err: the algorithm's own
// model goes on adapting from the prototype head, and the weights note
// says why), and classifies again.
func (s *State) SetWide(w Weights) {
	delete(s.wideLoading, w.Algo)
	if s.wide == nil {
		s.wide = map[string]Weights{}
	}
	s.wide[w.Algo] = w
	s.showNote()
	s.reclassify()
}

// wideNote is the weights note while the wide model applies: its own, or
// why it is not in use.
func (s *State) wideNote() (string, bool) {
	if !s.wideApplies() {
		return "", false
	}
	w, ok := s.wide[s.Algorithm]
	switch {
	case !ok:
		return "", false
	case w.Err != nil:
		return s.notes[s.Algorithm] + fmt.Sprintf(" Its %d-way model is not available (%v), so with %d classes it adapts from the prototype head.", WideWay, w.Err, WideWay), true
	}
	return fmt.Sprintf("With %d classes, %s's %d-way model (%s): %s", WideWay, AlgorithmLabel(s.Algorithm), WideWay, WideModels[s.Algorithm], w.Note), true
}
