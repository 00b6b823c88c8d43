package learn

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"metaglot/core/nn"
	"metaglot/wasm/classify"
)

// TestLesson walks the steps: what each needs fetched, what it shows
// before and after, and the size and step limits.
func TestLesson(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	l := NewLesson(1)
	l.Mine = source(rng, 2, 2, 2)
	l.Mine.Query = img(rng)
	if err := l.SetSize("3", "2"); err != nil {
		t.Fatal(err)
	}
	if b := l.Body(); !strings.Contains(b, `class="episode" data-way="3" data-shot="2"`) || !strings.Contains(b, "No bundled model was evaluated on 3-way 2-shot") {
		t.Errorf("task step: %s", b)
	}
	if err := l.SetSize("x", "2"); err == nil || !strings.HasPrefix(err.Error(), `N (classes) "x"`) || l.Place.Way != 3 {
		t.Errorf("SetSize(x): %v, way %d", err, l.Place.Way)
	}
	if l.Go(-1) || !l.Go(2) || l.Step().ID != "metric" {
		t.Fatalf("at %s", l.Step().ID)
	}
	if n := l.Needs(); !slices.Equal(n, []Need{NeedProtoNet}) || !strings.Contains(l.Body(), "Loading ProtoNet") {
		t.Errorf("metric without a network: needs %v, body %s", n, l.Body())
	}
	l.Emb = classify.NewConv4(nn.NewConv4Params(rng))
	if n := l.Needs(); len(n) != 0 || !strings.Contains(l.Body(), "Nearest prototype") {
		t.Errorf("metric: needs %v, body %s", n, l.Body())
	}
	l.Errors[NeedProtoNet] = "404"
	l.Emb = nil
	if n := l.Needs(); len(n) != 0 || !strings.Contains(l.Body(), "could not be loaded: 404") {
		t.Errorf("a failed fetch is asked again or not said: %v", n)
	}

	// The inner loop runs for the task it started on: after N changes it
	// shows nothing stale (the bars would have the old classes).
	l.Go(1)
	if n := l.Needs(); !slices.Equal(n, []Need{NeedInner}) {
		t.Errorf("optim needs %v", n)
	}
	in, err := NewInner("fomaml", bundled(t, "fomaml"))
	if err != nil {
		t.Fatal(err)
	}
	l.Inner = in
	if _, err := l.StepInner(); err != nil {
		t.Fatal(err)
	}
	if b := l.Body(); !strings.Contains(b, `data-done="1"`) {
		t.Errorf("after a step: %s", b)
	}
	// The bundled FOMAML was meta-trained with transductive BatchNorm; the
	// step says the page normalises each drawing with the support's
	// statistics instead.
	if b := l.Body(); !strings.Contains(b, `class="note bn-note">FOMAML was meta-trained as Finn et al. did, with transductive BatchNorm`) || !strings.Contains(b, "statistics of your examples (the support set)") {
		t.Errorf("the inner-loop step does not say which BatchNorm statistics: %s", b)
	}
	if err := l.SetSize("2", "2"); err != nil {
		t.Fatal(err)
	}
	if l.InnerRunning() || !strings.Contains(l.Body(), `data-done="0"`) || strings.Count(l.Body(), `class="bar-row`) != 0 {
		t.Errorf("after N changed, the old loop shows")
	}

	l.Go(10)
	if l.Step().ID != "compare" || !slices.Equal(l.Needs(), []Need{NeedCompare}) {
		t.Errorf("at %s, needs %v", l.Step().ID, l.Needs())
	}
	l.Source = Omniglot
	if n := l.Needs(); !slices.Contains(n, NeedOmniglot) || !strings.Contains(l.Body(), "Loading Omniglot") {
		t.Errorf("Omniglot source without its sheets: %v", n)
	}
}
