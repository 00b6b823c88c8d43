package app

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/omniglot"
	"metaglot/wasm/classify"
	"metaglot/wasm/pad"
)

// clock advances 3 ms per reading.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { c.t = c.t.Add(3 * time.Millisecond); return c.t }

func newState(t *testing.T) *State {
	t.Helper()
	s := New((&clock{}).now)
	params := nn.NewConv4Params(rand.New(rand.NewPCG(7, 7)))
	s.Classifiers["protonet"] = classify.NewProtoNet(classify.NewConv4(params))
	return s
}

// stroke draws a polyline on pad p through the State, as the page does.
func stroke(s *State, p Pad, pts ...pad.Point) {
	s.PenDown(p, pts[0])
	for _, q := range pts[1:] {
		s.PenMove(p, q)
	}
	s.PenUp(p)
}

func circle(s *State, p Pad, r float32) {
	var pts []pad.Point
	for i := 0; i <= 40; i++ {
		a := float64(i) / 40 * 2 * math.Pi
		pts = append(pts, pad.Point{X: 52 + r*float32(math.Cos(a)), Y: 52 + r*float32(math.Sin(a))})
	}
	stroke(s, p, pts...)
}

func cross(s *State, p Pad, r float32) {
	stroke(s, p, pad.Point{X: 52 - r, Y: 52 - r}, pad.Point{X: 52, Y: 52}, pad.Point{X: 52 + r, Y: 52 + r})
	stroke(s, p, pad.Point{X: 52 + r, Y: 52 - r}, pad.Point{X: 52, Y: 52}, pad.Point{X: 52 - r, Y: 52 + r})
}

func bar(s *State, p Pad, r float32) {
	stroke(s, p, pad.Point{X: 52, Y: 52 - r}, pad.Point{X: 52, Y: 52}, pad.Point{X: 52, Y: 52 + r})
}

func TestDrawAndClassify(t *testing.T) {
	s := newState(t)
	s.Reclassify()
	if !strings.Contains(s.Hint, "No classes") || s.HaveResult {
		t.Fatalf("hint with no classes: %q", s.Hint)
	}
	shapes := []func(*State, Pad, float32){circle, cross, bar}
	for _, draw := range shapes {
		s.AddClass()
		for _, r := range []float32{30, 26} {
			draw(s, DrawPad, r)
			s.AddExample()
		}
	}
	if s.Classes.Len() != 3 || s.Classes.Examples() != 6 || !s.Draw.Empty() {
		t.Fatalf("%d classes, %d examples", s.Classes.Len(), s.Classes.Examples())
	}
	if !strings.Contains(s.Hint, "query") {
		t.Fatalf("hint with no query: %q", s.Hint)
	}
	for c, draw := range shapes {
		s.Clear(QueryPad)
		draw(s, QueryPad, 28)
		if !s.HaveResult {
			t.Fatalf("no result after the query stroke; hint %q, message %q", s.Hint, s.Message)
		}
		if s.Result.Best != c {
			t.Errorf("query like class %d classified as %d: %v", c, s.Result.Best, s.Result.Probs)
		}
	}
	if s.ClassifyTime != 3*time.Millisecond {
		t.Errorf("ClassifyTime = %v, want one clock tick", s.ClassifyTime)
	}
	n := s.Classifications
	s.Undo(QueryPad) // the bar is one stroke: empty again
	if s.HaveResult || s.Classifications != n {
		t.Error("undoing the only query stroke should leave nothing to classify")
	}
}

func TestUnavailableAlgorithm(t *testing.T) {
	s := newState(t)
	s.SetAlgorithm("fomaml")
	if s.Algorithm != "fomaml" || !strings.Contains(s.Hint, "Loading") {
		t.Fatalf("algorithm %q, hint %q", s.Algorithm, s.Hint)
	}
	s.Unavailable["fomaml"] = "assets/models/fomaml.safetensors is not in this build"
	s.Reclassify()
	if !strings.Contains(s.Hint, "not available yet: assets/models/fomaml.safetensors") || !strings.HasSuffix(s.Hint, ". Choose ProtoNet.") {
		t.Fatalf("hint %q", s.Hint)
	}
	s.SetAlgorithm("nonsense")
	if s.Algorithm != "fomaml" || s.Message == "" {
		t.Fatal("unknown algorithm accepted")
	}
}

func TestEditsAndKeys(t *testing.T) {
	s := newState(t)
	s.AddExample()
	if !strings.Contains(s.Message, "Draw something") {
		t.Fatalf("empty pad: %q", s.Message)
	}
	bar(s, DrawPad, 30)
	s.AddExample() // creates Class 1
	if s.Classes.Len() != 1 || s.Selected != 0 {
		t.Fatal("AddExample without a class should create one")
	}
	s.AddClass()
	if !s.RenameClass(1, "cross") || s.RenameClass(1, "") || s.Classes.Class(1).Name != "cross" {
		t.Fatal("rename")
	}
	if !s.Key("1", false, DrawPad) || s.Selected != 0 {
		t.Fatal("key 1 should select class 1")
	}
	if !s.Key("9", false, DrawPad) || !strings.Contains(s.Message, "no class 9") {
		t.Fatalf("key 9: %q", s.Message)
	}
	bar(s, DrawPad, 20)
	cross(s, DrawPad, 20)
	if !s.Key("z", true, DrawPad) || len(s.Draw.Strokes()) != 2 { // 1 + 2 strokes, one undone
		t.Fatal("Ctrl+Z should undo one stroke")
	}
	if !s.Key("Backspace", false, DrawPad) || !s.Draw.Empty() {
		t.Fatal("Backspace should clear the pad")
	}
	if s.Key("x", false, DrawPad) || s.Key("c", true, DrawPad) {
		t.Fatal("x and Ctrl+C are not shortcuts")
	}
	v := s.Version
	s.DeleteExample(0, 0)
	s.DeleteExample(0, 5)
	if s.Classes.Class(0).Examples != nil && len(s.Classes.Class(0).Examples) != 0 || s.Version == v {
		t.Fatal("DeleteExample")
	}
	s.Select(1)
	s.DeleteClass(0)
	if s.Classes.Len() != 1 || s.Selected != 0 || s.Classes.Class(0).Name != "cross" {
		t.Fatalf("after delete: %d classes, selected %d", s.Classes.Len(), s.Selected)
	}
}

func TestPersistenceAndImport(t *testing.T) {
	s := newState(t)
	s.AddClass()
	circle(s, DrawPad, 30)
	s.AddExample()
	saved := s.Saved()

	r := newState(t)
	if err := r.Restore(saved); err != nil || r.Classes.Len() != 1 || r.Classes.Examples() != 1 {
		t.Fatalf("restore: %v", err)
	}
	for _, bad := range []string{`{"format":"metaglot-classes","version":1,"classes":[{"name":""}]}`, `{"hello":1}`, `not json`} {
		if err := r.Import("bad.json", []byte(bad)); err == nil {
			t.Fatalf("imported %s", bad)
		}
		if r.Classes.Len() != 1 || !strings.Contains(r.Message, "unchanged") {
			t.Fatalf("bad import changed classes or said %q", r.Message)
		}
	}
	if err := r.Restore([]byte("{broken")); err == nil || r.Classes.Len() != 1 {
		t.Fatal("a broken stored document must change nothing")
	}
	r.StorageFailed(errors.New("QuotaExceededError"))
	if !strings.Contains(r.Message, "Export JSON") {
		t.Fatalf("storage failure message: %q", r.Message)
	}
}

func TestTryOmniglot(t *testing.T) {
	dir := filepath.Join("..", "..", "assets", "omniglot")
	ixData, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Skipf("assets not built: %v", err)
	}
	ix, err := omniglot.ParseIndex(ixData)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	plan, err := PlanTry(ix, 5, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plan.Chars {
		if c.Vinyals != "test" {
			t.Fatalf("%s %s is not a test character", plan.Alphabet, c.Name)
		}
	}
	sheet, err := os.ReadFile(filepath.Join(dir, plan.File))
	if err != nil {
		t.Fatal(err)
	}
	ds := omniglot.New(ix)
	if err := ds.AddAlphabetSheet(plan.Alphabet, sheet); err != nil {
		t.Fatal(err)
	}
	s := newState(t)
	if err := s.Try(ds, plan, 3, rng); err != nil {
		t.Fatal(err)
	}
	if s.Classes.Len() != 5 || s.Classes.Examples() != 15 || len(s.Omniglot) != 5 {
		t.Fatalf("%d classes, %d examples, %d held out", s.Classes.Len(), s.Classes.Examples(), len(s.Omniglot))
	}
	s.PickHeldOut(2)
	if !s.HaveResult || s.QueryLabel == "" {
		t.Fatalf("picking a held-out drawing should classify it: %q", s.Hint)
	}
	if _, err := PlanTry(ix, 99, rng); err == nil {
		t.Error("99 classes accepted")
	}
}

// countingClassifier counts the images it is asked to warm.
type countingClassifier struct{ warmed int }

func (c *countingClassifier) Classify(support [][][]float32, query []float32) (classify.Result, error) {
	return classify.Result{}, classify.ErrEmptyQuery
}

func (c *countingClassifier) Warm(images [][]float32, max int) (int, error) {
	n := min(max, len(images)-c.warmed)
	c.warmed += n
	return len(images) - c.warmed, nil
}

func TestWarm(t *testing.T) {
	s := New((&clock{}).now)
	c := &countingClassifier{}
	s.Classifiers["protonet"] = c
	s.AddClass()
	for range 3 {
		bar(s, DrawPad, 30)
		s.AddExample()
	}
	if !s.Warm(2) || s.Warm(2) || s.Warm(2) {
		t.Fatal("3 examples warm in two calls of 2, then nothing is left")
	}
	if c.warmed != 3 {
		t.Fatalf("warmed %d", c.warmed)
	}
}

// fineTuner returns a FOMAML fine-tuner of a seeded random network with a
// way-way head that adapts in steps steps.
func fineTuner(t *testing.T, way int, seed uint64, steps int) *classify.FineTuner {
	t.Helper()
	params := learner.NewHeadNetParams(rand.New(rand.NewPCG(seed, seed)), way)
	ft, err := classify.NewFineTuner("fomaml", params, map[string]string{"config": fmt.Sprintf(`{"adapt_steps": %d}`, steps)})
	if err != nil {
		t.Fatal(err)
	}
	return ft
}

// addBars adds n classes, each with one example: a bar of its own width.
func addBars(s *State, n int) {
	for range n {
		k := s.Classes.Len()
		s.AddClass()
		bar(s, DrawPad, float32(6+2*(k%20)))
		s.AddExample()
	}
}

// TestAdaptInFrames classifies with a 5-way FOMAML model: the adaptation
// runs one step per Tick, with progress in the hint, then classifies.
func TestAdaptInFrames(t *testing.T) {
	s := newState(t)
	ft := fineTuner(t, 5, 3, 4)
	s.Classifiers["fomaml"] = ft
	addBars(s, 5)
	s.SetAlgorithm("fomaml")
	bar(s, QueryPad, 18)
	if !s.Adapting || s.HaveResult || !strings.Contains(s.Hint, "step 0 of 4") {
		t.Fatalf("adapting %v, hint %q", s.Adapting, s.Hint)
	}
	ticks := 0
	for s.Adapting {
		s.Tick()
		ticks++
		if ticks > 10 {
			t.Fatal("adaptation does not finish")
		}
	}
	if ticks != 5 || !s.HaveResult || s.AdaptTime <= 0 {
		t.Fatalf("%d ticks (want 4 steps + 1 to finish), result %v, time %v, hint %q", ticks, s.HaveResult, s.AdaptTime, s.Hint)
	}
	if note := s.HeadNote(); !strings.Contains(note, "meta-learned 5-way head") || ft.ProtoHead() {
		t.Errorf("5 classes: head note %q, ProtoHead %v", note, ft.ProtoHead())
	}
	// Six classes do not fit a 5-way head: the inner loop starts from the
	// prototype head, and the page says so.
	s.AddClass()
	bar(s, DrawPad, 40)
	s.AddExample()
	for s.Adapting {
		s.Tick()
	}
	if !s.HaveResult || len(s.Result.Probs) != 6 || !ft.ProtoHead() {
		t.Fatalf("6 classes: result %v (%d probabilities), ProtoHead %v, hint %q", s.HaveResult, len(s.Result.Probs), ft.ProtoHead(), s.Hint)
	}
	if note := s.HeadNote(); !strings.Contains(note, "5-way head and you have 6 classes") || !strings.Contains(note, "prototype head") {
		t.Errorf("6 classes: head note %q", note)
	}
}

// TestAdaptStepBudget: with a StepBudget, a Tick runs steps while the
// budget lasts (the test clock advances 3 ms a reading, so 7 ms allow
// three steps a Tick) and the adaptation takes fewer frames to the same
// result as one step a Tick.
func TestAdaptStepBudget(t *testing.T) {
	run := func(budget time.Duration) (ticks int, first int, probs []float64, timing string) {
		s := newState(t)
		s.StepBudget = budget
		s.Classifiers["fomaml"] = fineTuner(t, 5, 3, 10)
		addBars(s, 3)
		s.SetAlgorithm("fomaml")
		bar(s, QueryPad, 18)
		for s.Adapting {
			s.Tick()
			if ticks++; ticks == 1 {
				first = s.AdaptDone
			}
			if ticks > 20 {
				t.Fatal("adaptation does not finish")
			}
		}
		if !s.HaveResult {
			t.Fatalf("budget %v: no result, hint %q", budget, s.Hint)
		}
		return ticks, first, s.Result.Probs, s.TimingText()
	}
	ticks1, first1, want, _ := run(0)
	ticks, first, got, timing := run(7 * time.Millisecond)
	if ticks1 != 11 || first1 != 1 {
		t.Errorf("no budget: %d ticks, %d steps in the first, want 11 and 1", ticks1, first1)
	}
	if ticks != 4 || first != 3 {
		t.Errorf("7 ms: %d ticks, %d steps in the first, want 4 (3+3+3+1 and the finish) and 3", ticks, first)
	}
	if !slices.Equal(got, want) {
		t.Errorf("7 ms: probabilities %v, want %v (one step a Tick)", got, want)
	}
	if !strings.HasSuffix(timing, "(10 steps, up to 7 ms of them per frame)") {
		t.Errorf("timing %q", timing)
	}
}

// TestImportChecks: a classes file above the cap is refused from its size
// alone, and names with control or bidi characters are cleaned whether
// they are typed, imported or restored.
func TestImportChecks(t *testing.T) {
	s := newState(t)
	s.AddClass()
	if err := s.CheckImport("big.json", 50<<20); err == nil {
		t.Fatal("a 50 MB classes file passed CheckImport")
	}
	if want := "Import of big.json failed: the file is 50.0 MB; a classes file has at most 16 MB. Your classes are unchanged."; s.Message != want {
		t.Errorf("message %q, want %q", s.Message, want)
	}
	if err := s.CheckImport("ok.json", 4096); err != nil || s.Classes.Len() != 1 {
		t.Errorf("a 4 KB file: %v", err)
	}

	if !s.RenameClass(0, "a\u202Eevil\u0000") || s.Classes.Class(0).Name != "aevil" {
		t.Errorf("typed name: %+q", s.Classes.Class(0).Name)
	}
	doc := []byte(`{"format":"metaglot-classes","version":1,"classes":[{"name":"\u2066x\u2069\u200f"}]}`)
	if err := s.Import("bidi.json", doc); err != nil || s.Classes.Class(0).Name != "x" {
		t.Errorf("imported name: %+q, %v", s.Classes.Class(0).Name, err)
	}
	r := newState(t)
	if err := r.Restore(doc); err != nil || r.Classes.Class(0).Name != "x" {
		t.Errorf("restored name: %+q, %v", r.Classes.Class(0).Name, err)
	}
}

// TestSetInner: the inner steps and learning rate typed on the page are
// validated (bad ones leave the settings and say why), good ones re-adapt,
// and each step's support loss and the probabilities before adaptation
// are kept for the page.
func TestSetInner(t *testing.T) {
	s := newState(t)
	params := learner.NewHeadNetParams(rand.New(rand.NewPCG(4, 4)), 3)
	ft, err := classify.NewFineTuner("fomaml", params, map[string]string{"config": `{"adapt_steps": 3, "inner_lr": 0.003}`})
	if err != nil {
		t.Fatal(err)
	}
	s.Classifiers["fomaml"] = ft
	if s.SetInner("5", "0.1") || !strings.Contains(s.Message, "no inner loop") {
		t.Fatalf("ProtoNet took inner settings: %q", s.Message)
	}
	for k := range 3 {
		s.AddClass()
		bar(s, DrawPad, float32(10+8*k))
		s.AddExample()
	}
	s.SetAlgorithm("fomaml")
	circle(s, QueryPad, 20)
	if got := s.AfterLabel(); got != "After 0 of 3 steps at learning rate 0.003…" || s.AfterProbs() != nil {
		t.Errorf("before any step: label %q, probabilities %v", got, s.AfterProbs())
	}
	for s.Adapting {
		s.Tick()
		if !s.Adapting {
			break
		}
		// Mid-adaptation the page shows the probabilities so far.
		if len(s.AdaptTrace) != s.AdaptDone || len(s.AfterProbs()) != 3 || &s.AfterProbs()[0] != &s.AdaptTrace[s.AdaptDone-1][0] {
			t.Fatalf("after %d steps: trace %v, shown %v", s.AdaptDone, s.AdaptTrace, s.AfterProbs())
		}
		if len(s.BeforeProbs()) != 3 {
			t.Fatalf("after %d steps: before-probabilities %v", s.AdaptDone, s.BeforeProbs())
		}
		if want := fmt.Sprintf("After %d of 3 steps at learning rate 0.003…", s.AdaptDone); s.AfterLabel() != want {
			t.Errorf("label %q, want %q", s.AfterLabel(), want)
		}
	}
	if len(s.AdaptTrace) != 3 || s.AfterLabel() != "After 3 steps at learning rate 0.003:" || &s.AfterProbs()[0] != &s.Result.Probs[0] {
		t.Fatalf("adapted: trace %v, label %q, shown %v, final %v", s.AdaptTrace, s.AfterLabel(), s.AfterProbs(), s.Result.Probs)
	}
	for c, p := range s.Result.Probs {
		if math.Abs(p-s.AdaptTrace[2][c]) > 1e-6 {
			t.Fatalf("last step's probabilities %v ≠ final %v", s.AdaptTrace[2], s.Result.Probs)
		}
	}
	if !s.HaveResult || len(s.AdaptLosses) != 3 || len(s.Result.Before) != 3 {
		t.Fatalf("result %v, losses %v, before %v (hint %q)", s.HaveResult, s.AdaptLosses, s.Result.Before, s.Hint)
	}
	for _, c := range []struct{ steps, lr, want string }{
		{"x", "0.1", `"x" is not a whole number`},
		{"5", "fast", `"fast" is not a number`},
		{"500", "0.1", "inner steps 500"},
		{"5", "-1", "learning rate -1"},
	} {
		if s.SetInner(c.steps, c.lr) || !strings.Contains(s.Message, c.want) {
			t.Errorf("SetInner(%q, %q): message %q, want %q", c.steps, c.lr, s.Message, c.want)
		}
		if st, lr := ft.Inner(); st != 3 || float32(lr) != 0.003 || !s.HaveResult {
			t.Errorf("SetInner(%q, %q) changed the settings to %d, %v or dropped the result", c.steps, c.lr, st, lr)
		}
	}
	if !s.SetInner(" 6 ", "0.5") || !s.Adapting || s.HaveResult {
		t.Fatalf("good settings: adapting %v, result %v, message %q", s.Adapting, s.HaveResult, s.Message)
	}
	for s.Adapting {
		s.Tick()
	}
	if len(s.AdaptLosses) != 6 || !s.HaveResult {
		t.Fatalf("after 6 steps: losses %v, result %v", s.AdaptLosses, s.HaveResult)
	}
}

func TestLossPoints(t *testing.T) {
	for _, c := range []struct {
		losses []float64
		want   string
	}{
		{nil, ""},
		{[]float64{2}, "50.0,10.0"},
		{[]float64{2, 1, 0}, "0.0,0.0 50.0,10.0 100.0,20.0"},
		{[]float64{1, 1}, "0.0,10.0 100.0,10.0"},
		{[]float64{3, math.NaN(), 1}, "0.0,0.0 100.0,20.0"},
	} {
		if got := LossPoints(c.losses, 100, 20); got != c.want {
			t.Errorf("LossPoints(%v) = %q, want %q", c.losses, got, c.want)
		}
	}
}

// TestFamiliarInState: with the bundled ProtoNet, a query drawn like one
// of the classes is called close to it, and a tiny dot, which still gets
// a confident-looking winner, is called unlike every class; the text
// says so whatever algorithm answers.
func TestFamiliarInState(t *testing.T) {
	data, err := os.ReadFile("../../assets/models/protonet.safetensors")
	if err != nil {
		t.Skip(err)
	}
	s := New((&clock{}).now)
	s.SetWeights(BundledWeights(StartAlgorithm, "p", data, nil))
	shapes := []func(*State, Pad, float32){circle, cross, bar}
	for _, draw := range shapes {
		s.AddClass()
		for _, r := range []float32{30, 26, 22} {
			draw(s, DrawPad, r)
			s.AddExample()
		}
	}
	cross(s, QueryPad, 28)
	if !s.HaveResult || s.Familiar.Level() != classify.Familiar || !strings.HasPrefix(s.FamiliarText, "Close to “Class 2”") {
		t.Errorf("a cross: %v %q", s.Familiar.Level(), s.FamiliarText)
	}
	s.Clear(QueryPad)
	stroke(s, QueryPad, pad.Point{X: 80, Y: 20}, pad.Point{X: 81, Y: 21})
	t.Logf("a dot: winner %.1f %%, %s", 100*s.Result.Probs[s.Result.Best], s.FamiliarText)
	if !s.HaveResult || s.Familiar.Level() != classify.Unlike || !strings.HasPrefix(s.FamiliarText, "Unlike every class") {
		t.Errorf("a dot: %v %q", s.Familiar.Level(), s.FamiliarText)
	}
}
