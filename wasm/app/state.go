package app

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"metaglot/core/preprocess"
	"metaglot/wasm/classes"
	"metaglot/wasm/classify"
	"metaglot/wasm/pad"
)

// Pad names one of the two drawing pads.
type Pad int

const (
	// DrawPad collects examples for the selected class.
	DrawPad Pad = iota
	// QueryPad holds the drawing to classify.
	QueryPad
)

// String returns "draw" or "query".
func (p Pad) String() string {
	if p == QueryPad {
		return "query"
	}
	return "draw"
}

// Classifier is what State classifies with: the ProtoNet of package
// classify, or (later) an adapted FOMAML/Reptile learner.
type Classifier interface {
	Classify(support [][][]float32, query []float32) (classify.Result, error)
}

// State is everything the page shows. The zero value is not usable: use New.
type State struct {
	Classes  classes.List
	Selected int // selected class, −1 for none

	Draw, Query pad.Drawing
	// QueryImage, when not nil, is a real 28×28 drawing chosen as the query
	// (it is dropped as soon as the user draws on the query pad).
	QueryImage []float32
	// QueryLabel names the real drawing chosen as the query.
	QueryLabel string

	Algorithm string
	// Classifiers maps an algorithm to its classifier; a missing one is
	// "not available yet".
	Classifiers map[string]Classifier
	// WeightsNote says which weights the classifier uses, for the page.
	WeightsNote string
	// Unavailable gives, per algorithm without a classifier, the reason
	// (weights missing or broken); an algorithm in neither map is loading.
	Unavailable map[string]string

	// Adapting is set while a fine-tuning classifier (FOMAML, Reptile)
	// adapts to the classes; AdaptDone of AdaptTotal steps are done.
	Adapting              bool
	AdaptDone, AdaptTotal int
	// AdaptTime is how long the last finished adaptation took, from its
	// start to its last step (Tick runs its steps, StepBudget of them a
	// frame).
	AdaptTime  time.Duration
	adaptStart time.Time
	// StepBudget is how long one Tick may keep running fine-tuning steps:
	// it runs one, then more while the time since it started is under the
	// budget. 0 (New's) runs one step per Tick; the page gives part of a
	// 60 Hz frame, so that steps cheaper than a frame do not each wait for
	// one, and the page still draws between them.
	StepBudget time.Duration
	// AdaptLosses has the support loss at each inner step of the current
	// adaptation so far (a fine-tuning classifier's Losses).
	AdaptLosses []float64
	// AdaptTrace has the query's probabilities after each inner step of
	// the current adaptation so far (a fine-tuning classifier's Trace):
	// the page shows the last row while the steps run.
	AdaptTrace [][]float64
	// AdaptBefore has the query's probabilities with 0 steps (a
	// fine-tuning classifier's TraceBefore), from the start.
	AdaptBefore []float64

	Result     classify.Result
	HaveResult bool
	// Familiar says, with HaveResult, how unlike the classes the query
	// is, judged by ProtoNet's network whatever algorithm answers (the
	// honest part of the probabilities); FamiliarText says it in plain
	// language ("" when ProtoNet's network is not loaded).
	Familiar     classify.Familiarity
	FamiliarText string
	// ClassifyTime is how long the last classification took.
	ClassifyTime time.Duration
	// Classifications counts successful classifications.
	Classifications int

	Hint    string
	Message string

	// Version grows whenever the classes change (to redraw the list and
	// save them).
	Version int

	Pen pad.Pen
	// Omniglot holds the real held-out drawings of the last "Try
	// Omniglot", one per class, to pick as queries.
	Omniglot []HeldOut
	// Lake says the Try Omniglot set follows Lake's one-shot task
	// (PlanLake), which the challenge (challenge.go) plays.
	Lake bool
	// LakeRun is the Lake et al. run (1..20) the set is, played with the
	// LakeRuns protocol (StartTryRun), else 0; lastRun the run played last
	// (ChooseRun's NextRun follows it).
	LakeRun, lastRun int
	// Challenge is the visitor against the background-only model, while
	// one runs (StartChallenge); Challenger is that model and
	// ChallengerNote says what it is, once loaded (SetChallenger).
	Challenge      *Challenge
	Challenger     Classifier
	ChallengerNote string
	// Demo says the classes are a Try Omniglot set: they are not saved,
	// and the page offers to go back to the user's own (MyClasses).
	Demo bool

	now func() time.Time
	// support caches the 28×28 images of the examples for supportVersion.
	support        [][][]float32
	supportVersion int
	warmVersion    int
	savedVersion   int // Version last saved (Save)

	// deleted is the class deleted last, which UndoDelete can put back
	// while Version is still deletedVersion.
	deleted        *deletedClass
	deletedVersion int

	loading map[string]bool // algorithms whose weights are on their way (NeedWeights)
	// notes has each algorithm's weights note (WeightsNote shows the one
	// in use); bundled each algorithm's bundled weights once here;
	// trained the weights trained in the page in use per algorithm, and
	// unsaved those SaveTrained has yet to store (trained.go).
	notes   map[string]string
	bundled map[string]Weights
	trained map[string]*trainedWeights
	unsaved map[string]bool
	trying  bool // a Try Omniglot is fetching (StartTry … FinishTry)
	// wide has the wide models (WideModels) fetched so far, per
	// algorithm; wideLoading those on their way (NeedWide, SetWide).
	wide        map[string]Weights
	wideLoading map[string]bool
	trySrc      TrySource // the Omniglot assets fetched so far
}

// HeldOut is a real drawing not among a class's examples.
type HeldOut struct {
	Class int
	Label string
	Image []float32
	// Drawer is the Omniglot drawer (0–19) of the drawing.
	Drawer int
}

// New returns an empty State with the calibrated pen and ProtoNet selected.
// now is the clock used to time classifications (time.Now in the page).
func New(now func() time.Time) *State {
	return &State{loading: map[string]bool{}, notes: map[string]string{}, bundled: map[string]Weights{}, trained: map[string]*trainedWeights{}, unsaved: map[string]bool{},
		Selected: -1, warmVersion: -1, savedVersion: -1, Algorithm: StartAlgorithm, Classifiers: map[string]Classifier{}, Unavailable: map[string]string{},
		Pen: pad.DefaultPen(), now: now,
		Hint: "Add a class, draw examples of it, then draw a query."}
}

func (s *State) changed() { s.Version++ }

// Pad returns the drawing of pad p.
func (s *State) Pad(p Pad) *pad.Drawing {
	if p == QueryPad {
		return &s.Query
	}
	return &s.Draw
}

// Preview writes the 28×28 network input of pad p into dst (784 values).
func (s *State) Preview(p Pad, dst []float32) {
	if p == QueryPad && s.QueryImage != nil {
		copy(dst, s.QueryImage)
		return
	}
	classes.Render28(s.Pen, s.Pad(p).Strokes(), dst)
}

// AddClass adds a class with the next free name and selects it.
func (s *State) AddClass() {
	i, err := s.Classes.Add(s.Classes.NextName())
	if err != nil {
		s.Message = err.Error()
		return
	}
	s.Selected = i
	s.Message = fmt.Sprintf("Added %s. Draw an example and press “Add to class”.", s.Classes.Class(i).Name)
	s.changed()
	s.reclassify()
}

// RenameClass renames class i; a refused name leaves it and says why.
func (s *State) RenameClass(i int, name string) bool {
	if err := s.Classes.Rename(i, name); err != nil {
		s.Message = "Not renamed: " + err.Error()
		s.changed() // the page restores the old name in its field
		return false
	}
	s.changed()
	s.reclassify()
	return true
}

// DeleteClass removes class i. Until the next change of the classes the
// page offers to undo it (UndoDelete).
func (s *State) DeleteClass(i int) {
	if i < 0 || i >= s.Classes.Len() {
		return
	}
	c := s.Classes.Class(i)
	s.deleted = &deletedClass{class: c, index: i, selected: s.Selected, omniglot: s.Omniglot}
	_ = s.Classes.Delete(i)
	switch {
	case s.Selected == i:
		s.Selected = min(i, s.Classes.Len()-1)
	case s.Selected > i:
		s.Selected--
	}
	s.Omniglot = nil
	s.Challenge = nil // its drawings are gone
	s.Message = "Deleted " + c.Name + "."
	s.changed()
	s.deletedVersion = s.Version
	s.reclassify()
}

// deletedClass is what UndoDelete needs to put a deleted class back.
type deletedClass struct {
	class    classes.Class
	index    int       // its position
	selected int       // the selected class before the deletion
	omniglot []HeldOut // the held-out drawings dropped with it
}

// CanUndoDelete returns the name of the class deleted last if nothing has
// changed the classes since (then UndoDelete can bring it back), else "".
func (s *State) CanUndoDelete() string {
	if s.deleted == nil || s.deletedVersion != s.Version {
		return ""
	}
	return s.deleted.class.Name
}

// UndoDelete puts the class deleted last back at its position with its
// examples, as it was, if nothing has changed the classes since; it
// reports whether it did. The classes count as changed, so the page
// stores them again.
func (s *State) UndoDelete() bool {
	if s.CanUndoDelete() == "" {
		return false
	}
	d := s.deleted
	l := &classes.List{}
	put := func(c classes.Class) error {
		i, err := l.Add(c.Name)
		if err != nil {
			return err
		}
		for _, e := range c.Examples {
			if err := l.AddExample(i, e); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i <= s.Classes.Len(); i++ {
		var err error
		switch {
		case i == d.index:
			err = put(d.class)
			if err == nil && i < s.Classes.Len() {
				err = put(s.Classes.Class(i))
			}
		case i < s.Classes.Len():
			err = put(s.Classes.Class(i))
		}
		if err != nil {
			s.Message = "Could not undo: " + err.Error() + "."
			return false
		}
	}
	s.Classes.Replace(l)
	s.Selected, s.Omniglot = d.selected, d.omniglot
	s.deleted = nil
	s.Message = "Restored " + d.class.Name + "."
	s.changed()
	s.reclassify()
	return true
}

// Select makes class i the one examples are added to; out-of-range i is
// ignored.
func (s *State) Select(i int) {
	if i >= 0 && i < s.Classes.Len() {
		s.Selected = i
		s.changed()
	}
}

// AddExample adds the draw pad's drawing to the selected class (creating a
// class if there is none) and clears the pad.
func (s *State) AddExample() {
	if s.Draw.Empty() {
		s.Message = "Draw something on the drawing pad first."
		return
	}
	if s.Selected < 0 {
		s.AddClass()
		if s.Selected < 0 {
			return
		}
	}
	if err := s.Classes.AddExample(s.Selected, classes.Example{Strokes: s.Draw.Strokes()}); err != nil {
		s.Message = err.Error()
		return
	}
	c := s.Classes.Class(s.Selected)
	s.Message = fmt.Sprintf("%s has %d example(s).", c.Name, len(c.Examples))
	s.Draw.Clear()
	s.changed()
	s.reclassify()
}

// DeleteExample removes example j of class i.
func (s *State) DeleteExample(i, j int) {
	if err := s.Classes.DeleteExample(i, j); err != nil {
		s.Message = err.Error()
		return
	}
	s.Message = fmt.Sprintf("Deleted example %d of %s.", j+1, s.Classes.Class(i).Name)
	s.changed()
	s.reclassify()
}

// PenDown, PenMove and PenUp forward the pointer on pad p (frame
// coordinates). PenUp classifies after a query stroke.
func (s *State) PenDown(p Pad, pt pad.Point) {
	if p == QueryPad && s.QueryImage != nil {
		s.QueryImage, s.QueryLabel = nil, ""
	}
	if s.Pad(p).Full() {
		s.Message = fmt.Sprintf("A drawing holds at most %d strokes: undo or clear to draw more.", pad.MaxStrokes)
		s.changed()
		return
	}
	s.Pad(p).Begin(pt)
}

// PenMove extends the open stroke of pad p.
func (s *State) PenMove(p Pad, pt pad.Point) { s.Pad(p).Extend(pt) }

// PenUp ends the stroke of pad p; after a query stroke it classifies.
func (s *State) PenUp(p Pad) {
	if s.Pad(p).End() && p == QueryPad {
		s.reclassify()
	}
}

// Undo removes the last stroke of pad p.
func (s *State) Undo(p Pad) {
	if s.Pad(p).Undo() && p == QueryPad {
		s.reclassify()
	}
}

// Clear empties pad p.
func (s *State) Clear(p Pad) {
	s.Pad(p).Clear()
	if p == QueryPad {
		s.QueryImage, s.QueryLabel = nil, ""
		s.reclassify()
	}
}

// PickHeldOut makes held-out drawing i (of the last Try Omniglot) the query.
func (s *State) PickHeldOut(i int) {
	if i < 0 || i >= len(s.Omniglot) {
		return
	}
	h := s.Omniglot[i]
	s.Query.Clear()
	s.QueryImage = append([]float32(nil), h.Image...)
	s.QueryLabel = h.Label
	s.reclassify()
}

// SetAlgorithm selects the algorithm to classify with.
func (s *State) SetAlgorithm(a string) {
	if _, ok := classifiesWith(a); !ok {
		s.Message = fmt.Sprintf("Unknown algorithm %q.", a)
		return
	}
	s.Algorithm = a
	s.showNote()
	s.reclassify()
}

// Warmer is a Classifier that can embed support images ahead of a query
// (classify.ProtoNet).
type Warmer interface {
	Warm(images [][]float32, max int) (int, error)
}

// Warm lets the current classifier prepare up to max support images; the
// page calls it every frame so that the first query stroke after the
// classes change costs no more than the next ones. It reports whether
// work is left.
func (s *State) Warm(max int) bool {
	if s.warmVersion == s.Version {
		return false
	}
	c, _ := s.current()
	w, ok := c.(Warmer)
	if !ok {
		return false
	}
	var flat [][]float32
	for _, c := range s.supportImages() {
		flat = append(flat, c...)
	}
	left, err := w.Warm(flat, max)
	if err != nil || left == 0 {
		s.warmVersion = s.Version
	}
	return left > 0
}

// Stepper is a Classifier that adapts to the classes step by step
// (classify.FineTuner): Step runs one step and reports whether more are
// to come.
type Stepper interface {
	Step() bool
	Progress() (done, total int)
}

// InnerTuner is a Stepper whose inner loop can be set (classify.FineTuner):
// the number of SGD steps and their learning rate, the model's own ones,
// the support loss at each step so far and the query's probabilities
// after each step so far.
type InnerTuner interface {
	Inner() (steps int, lr float64)
	DefaultInner() (steps int, lr float64)
	SetInner(steps int, lr float64) error
	Losses() []float64
	Trace() [][]float64
	TraceBefore() []float64
}

// Tuner returns the current classifier's inner-loop settings, or nil if it
// has none (ProtoNet, or weights not loaded).
func (s *State) Tuner() InnerTuner {
	c, _ := s.current()
	t, _ := c.(InnerTuner)
	return t
}

// SetInner sets the current classifier's inner steps and learning rate
// from the texts of the page's two fields and adapts again. A value that
// is not a number or out of range is refused with a message naming it,
// and nothing changes.
func (s *State) SetInner(stepsText, lrText string) bool {
	t := s.Tuner()
	if t == nil {
		s.Message = AlgorithmLabel(s.Algorithm) + " has no inner loop to set."
		return false
	}
	steps, err := strconv.Atoi(strings.TrimSpace(stepsText))
	if err != nil {
		s.Message = fmt.Sprintf("Inner steps not changed: %q is not a whole number.", stepsText)
		return false
	}
	lr, err := strconv.ParseFloat(strings.TrimSpace(lrText), 64)
	if err != nil {
		s.Message = fmt.Sprintf("Inner learning rate not changed: %q is not a number.", lrText)
		return false
	}
	if err := t.SetInner(steps, lr); err != nil {
		s.Message = "Not changed: " + err.Error() + "."
		return false
	}
	s.Message = fmt.Sprintf("%s adapts with %d inner steps at learning rate %g.", AlgorithmLabel(s.Algorithm), steps, lr)
	s.reclassify()
	return true
}

// LossPoints returns the points of an SVG polyline that charts losses in
// a w×h box: one point per step, left to right, the smallest loss at the
// bottom and the largest at the top (a flat line in the middle if they are
// all equal). Non-finite losses are left out.
func LossPoints(losses []float64, w, h float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, l := range losses {
		if !math.IsNaN(l) && !math.IsInf(l, 0) {
			lo, hi = min(lo, l), max(hi, l)
		}
	}
	var b strings.Builder
	for i, l := range losses {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			continue
		}
		x := w / 2
		if len(losses) > 1 {
			x = w * float64(i) / float64(len(losses)-1)
		}
		y := h / 2
		if hi > lo {
			y = h * (hi - l) / (hi - lo)
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", x, y)
	}
	return b.String()
}

// Tick runs adaptation steps of the current classifier if it is
// adapting: one, then more while StepBudget allows (the page calls it every
// frame, so an adaptation spreads over frames and never freezes the page),
// and classifies when the last step is done.
func (s *State) Tick() {
	c, _ := s.current()
	st, ok := c.(Stepper)
	if !ok || !s.Adapting {
		return
	}
	start := s.now()
	more := st.Step()
	for more && s.now().Sub(start) < s.StepBudget {
		more = st.Step()
	}
	s.AdaptDone, s.AdaptTotal = st.Progress()
	s.recordLosses()
	if more {
		s.adaptHint()
		return
	}
	s.reclassify() // done (or failed): classify, or say why not
}

// recordLosses copies the current classifier's support losses and the
// query's probabilities after each step, if any.
func (s *State) recordLosses() {
	s.AdaptLosses, s.AdaptTrace, s.AdaptBefore = nil, nil, nil
	if t := s.Tuner(); t != nil {
		s.AdaptLosses, s.AdaptTrace, s.AdaptBefore = t.Losses(), t.Trace(), t.TraceBefore()
	}
}

// BeforeProbs returns the query's probabilities before adaptation that
// the page shows: once classified, Result.Before; while adapting, those
// of AdaptBefore; else nil.
func (s *State) BeforeProbs() []float64 {
	switch {
	case s.HaveResult:
		return s.Result.Before
	case s.Adapting:
		return s.AdaptBefore
	}
	return nil
}

// AfterProbs returns the probabilities the page shows under "After …":
// the final ones once the query is classified, else, while a fine-tuning
// classifier adapts, those after the steps done so far (the last row of
// AdaptTrace), else nil. AfterLabel is their heading.
func (s *State) AfterProbs() []float64 {
	switch {
	case s.HaveResult:
		return s.Result.Probs
	case s.Adapting && len(s.AdaptTrace) > 0:
		return s.AdaptTrace[len(s.AdaptTrace)-1]
	}
	return nil
}

// AfterLabel returns the heading of AfterProbs for a fine-tuning
// classifier: "After 10 steps at learning rate 0.4:" for the final
// probabilities, "After 3 of 10 steps at learning rate 0.4…" while the
// steps run; "" without an inner loop.
func (s *State) AfterLabel() string {
	t := s.Tuner()
	if t == nil {
		return ""
	}
	steps, lr := t.Inner()
	if !s.HaveResult && s.Adapting {
		return fmt.Sprintf("After %d of %d steps at learning rate %g…", len(s.AdaptTrace), steps, lr)
	}
	return fmt.Sprintf("After %d steps at learning rate %g:", steps, lr)
}

func (s *State) adaptHint() {
	c, _ := s.current()
	if st, ok := c.(Stepper); ok {
		s.AdaptDone, s.AdaptTotal = st.Progress()
	}
	s.Hint = fmt.Sprintf("Adapting %s to your classes: step %d of %d…", AlgorithmLabel(s.Algorithm), s.AdaptDone, s.AdaptTotal)
}

// Reclassify classifies again (after new weights, say).
func (s *State) Reclassify() { s.reclassify() }

// reclassify runs the classifier on the current query, or sets the hint
// that says what is missing.
func (s *State) reclassify() {
	s.HaveResult = false
	s.showNote() // the wide model's note when it applies (wide.go)
	c, ok := s.current()
	if !ok {
		if why, ok := s.Unavailable[s.Algorithm]; ok {
			s.Hint = AlgorithmLabel(s.Algorithm) + " is not available yet: " + why + ". Choose " + AlgorithmLabel(StartAlgorithm) + "."
		} else {
			s.Hint = "Loading the " + AlgorithmLabel(s.Algorithm) + " weights…"
		}
		return
	}
	support := s.supportImages()
	start := s.now()
	query := make([]float32, preprocess.Size*preprocess.Size)
	s.Preview(QueryPad, query)
	res, err := c.Classify(support, query)
	elapsed := s.now().Sub(start)
	s.recordLosses()
	wasAdapting := s.Adapting
	s.Adapting = errors.Is(err, classify.ErrAdapting)
	switch {
	case s.Adapting:
		if !wasAdapting {
			s.adaptStart = s.now()
		}
		s.adaptHint()
		return
	case wasAdapting:
		s.AdaptTime = s.now().Sub(s.adaptStart)
	}
	switch {
	case errors.Is(err, classify.ErrNoClasses):
		if s.Classes.Len() == 0 {
			s.Hint = "No classes yet: add a class and draw a few examples of it."
		} else {
			s.Hint = "No examples yet: draw on the drawing pad and press “Add to class”."
		}
		return
	case errors.Is(err, classify.ErrEmptyQuery):
		s.Hint = "Draw a query on the query pad to classify it."
		return
	case err != nil:
		s.Hint = "Cannot classify: " + err.Error() + "."
		return
	}
	s.Hint = ""
	s.Result, s.HaveResult = res, true
	s.ClassifyTime = elapsed
	s.Classifications++
	s.judge(support, query)
}

// judge sets Familiar and FamiliarText for the query just classified,
// with the ProtoNet network's embeddings (cached for the support).
func (s *State) judge(support [][][]float32, query []float32) {
	s.Familiar, s.FamiliarText = classify.Familiarity{}, ""
	p, ok := s.Classifiers[StartAlgorithm].(*classify.ProtoNet)
	if !ok {
		return
	}
	f, err := p.Familiarity(support, query)
	if err != nil {
		return
	}
	names := make([]string, s.Classes.Len())
	for i := range names {
		names[i] = s.Classes.Class(i).Name
	}
	s.Familiar, s.FamiliarText = f, f.Sentence(names)
	if s.Algorithm != StartAlgorithm && f.Level() != classify.NoRef {
		s.FamiliarText += " (Judged by " + AlgorithmLabel(StartAlgorithm) + "'s network.)"
	}
}

// supportImages returns the 28×28 images of every class's examples,
// rendered again only when the classes changed.
func (s *State) supportImages() [][][]float32 {
	if s.support != nil && s.supportVersion == s.Version {
		return s.support
	}
	support := make([][][]float32, s.Classes.Len())
	for i := range support {
		for _, e := range s.Classes.Class(i).Examples {
			img := make([]float32, preprocess.Size*preprocess.Size)
			e.Image28(s.Pen, img)
			support[i] = append(support[i], img)
		}
	}
	s.support, s.supportVersion = support, s.Version
	return support
}

// ExampleImage returns the 28×28 image of example j of class i (for
// thumbnails), from the same cache as classification.
func (s *State) ExampleImage(i, j int) []float32 {
	sup := s.supportImages()
	if i < 0 || i >= len(sup) || j < 0 || j >= len(sup[i]) {
		return nil
	}
	return sup[i][j]
}
