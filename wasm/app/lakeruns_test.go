package app

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"metaglot/core/episode/lakeruns"
	"metaglot/core/omniglot"
	"metaglot/core/preprocess"
	"metaglot/wasm/site"
)

// TestChooseRun: the run menu's values, and a clear error for any other.
func TestChooseRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		text string
		last int
		want int
	}{{"next", 0, 1}, {"next", 7, 8}, {"next", 20, 1}, {"", 3, 4}, {"1", 5, 1}, {" 20 ", 0, 20}} {
		if got, err := ChooseRun(c.text, c.last, rng); err != nil || got != c.want {
			t.Errorf("ChooseRun(%q, %d) = %d, %v; want %d", c.text, c.last, got, err, c.want)
		}
	}
	seen := map[int]bool{}
	for range 200 {
		r, err := ChooseRun(RandomRun, 0, rng)
		if err != nil || r < 1 || r > 20 {
			t.Fatalf("random run %d, %v", r, err)
		}
		seen[r] = true
	}
	if len(seen) != 20 {
		t.Errorf("200 random runs cover %d of the 20", len(seen))
	}
	for _, bad := range []string{"0", "21", "-1", "run1", "x", "1.5"} {
		if _, err := ChooseRun(bad, 0, rng); err == nil || !strings.Contains(err.Error(), `no Lake run "`+bad+`": choose a run from 1 to 20`) {
			t.Errorf("ChooseRun(%q): %v", bad, err)
		}
	}
	ch := LakeRunChoices()
	if len(ch) != 22 || ch[0].Value != NextRun || ch[1].Value != RandomRun || ch[2] != (LakeRunChoice{"1", "run 1: Atlantean"}) || ch[21].Value != "20" {
		t.Errorf("run menu %v", ch)
	}
}

// TestLakeRunTry: "Lake's 20 runs" loads exactly the run's images, those of
// lakeruns.Run.Episode and of the run's drawers in a data set loaded
// separately: the examples by the example drawer, the held-out drawings by
// the test drawer, from the index and that alphabet's sheet only (what the
// Lake protocol fetches lazily anyway). A bad run keeps the classes.
func TestLakeRunTry(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", site.OmniglotIndex)); err != nil {
		t.Skipf("assets not built: %v", err)
	}
	ref, err := omniglot.LoadDir(filepath.Join("..", "..", "assets", "omniglot"), "lake-evaluation")
	if err != nil {
		t.Fatal(err)
	}
	s, st := newState(t), newStorage()
	f := &siteFetch{got: map[string]int{}}
	runs := lakeruns.Runs()
	size := preprocess.Size * preprocess.Size
	for _, c := range []struct {
		text string
		want int
	}{{NextRun, 1}, {NextRun, 2}, {"20", 20}, {NextRun, 1}, {"7", 7}} {
		j := s.StartTryRun(c.text, 5)
		j.Run(f.get)
		s.FinishTry(j, st)
		r := runs[c.want-1]
		if s.LakeRun != c.want || !s.Lake || !strings.HasPrefix(s.Message, "Lake's run ") {
			t.Fatalf("%q: run %d (lake %v), want %d: %q", c.text, s.LakeRun, s.Lake, c.want, s.Message)
		}
		ep, err := r.Episode(ref)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := s.LakeRunView().(map[string]any); v == nil || v["run"] != c.want || v["exampleDrawer"] != r.Train+1 || v["testDrawer"] != r.Test+1 || v["alphabet"] != r.Alphabet {
			t.Fatalf("%s: window.metaglot.lakeRun %v", r.Name, v)
		}
		if s.Classes.Len() != 20 || len(s.Omniglot) != 20 || s.Classes.Examples() != 20 {
			t.Fatalf("%s: %d classes, %d examples, %d held out", r.Name, s.Classes.Len(), s.Classes.Examples(), len(s.Omniglot))
		}
		for l, cl := range ep.Classes {
			name := strings.ReplaceAll(r.Alphabet, "_", " ") + " " + strings.TrimPrefix(r.Characters[l], "character")
			if got := s.Classes.Class(l).Name; got != name || ref.Character(cl.Char).Name != r.Characters[l] {
				t.Fatalf("%s: class %d is %q, want %q", r.Name, l, got, name)
			}
			ex, test := make([]float32, size), make([]float32, size)
			ref.WriteImage(ex, cl.Char, r.Train, 0)
			ref.WriteImage(test, cl.Char, r.Test, 0)
			if !slices.Equal(s.ExampleImage(l, 0), ex) || !slices.Equal(s.ExampleImage(l, 0), ep.Images.Data[l*size:(l+1)*size]) {
				t.Fatalf("%s: the example of %s is not drawer %d's", r.Name, name, r.Train+1)
			}
			h := s.Omniglot[l]
			q := ep.NumSupport() + l
			if h.Class != l || h.Drawer != r.Test || !slices.Equal(h.Image, test) || !slices.Equal(h.Image, ep.Images.Data[q*size:(q+1)*size]) {
				t.Fatalf("%s: held-out %d (%s) is not drawer %d's test of %s", r.Name, l, h.Label, r.Test+1, name)
			}
		}
	}
	if f.got[site.OmniglotIndex] != 1 {
		t.Errorf("index fetched %d times", f.got[site.OmniglotIndex])
	}
	for p, n := range f.got {
		if p != site.OmniglotIndex && (n != 1 || !strings.HasPrefix(p, "assets/omniglot/")) {
			t.Errorf("fetched %s %d times", p, n)
		}
	}
	if want := 1 + 3; len(f.got) != want { // runs 1, 2 (Atlantean), 20, 7: three alphabets
		t.Errorf("fetched %v, want the index and 3 sheets", f.got)
	}

	before := s.Classes.Class(0).Name
	for _, bad := range []string{"21", "zero"} {
		j := s.StartTryRun(bad, 5)
		j.Run(f.get)
		s.FinishTry(j, st)
		if !strings.Contains(s.Message, `no Lake run "`+bad+`": choose a run from 1 to 20`) || s.LakeRun != 7 || s.Classes.Class(0).Name != before {
			t.Errorf("bad run %q: message %q, run %d", bad, s.Message, s.LakeRun)
		}
	}
	// Another Try leaves the runs.
	j := s.StartTryWith("5", "1", Lake, 3)
	j.Run(f.get)
	s.FinishTry(j, st)
	if s.LakeRun != 0 || !s.Lake || s.LakeRunView() != nil {
		t.Errorf("a random Lake set is run %d", s.LakeRun)
	}
	if _, err := planRun(ref.Index(), 0); err == nil {
		t.Error("run 0 planned")
	}
}

// TestLakeRunChallenge: the visitor and the model answer the run's 20
// tests; the end compares both error rates on this run with the published
// means over the 20 runs, and says one run is a noisy comparison.
func TestLakeRunChallenge(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", site.OmniglotIndex)); err != nil {
		t.Skipf("assets not built: %v", err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", site.Weights(ChallengerModel)))
	if err != nil {
		t.Skip(err)
	}
	s, st := newState(t), newStorage()
	f := &siteFetch{got: map[string]int{}}
	j := s.StartTryRun("3", 1)
	j.Run(f.get)
	s.FinishTry(j, st)
	s.SetChallenger(data, nil)
	if err := s.StartChallenge(rand.New(rand.NewPCG(3, 3))); err != nil {
		t.Fatal(err)
	}
	c := s.Challenge
	modelRight := 0
	for i := range 20 {
		h := s.Omniglot[c.Order[i]]
		// The model's answer, independently: the same classifier on the
		// run's examples and this test.
		res, err := s.Challenger.Classify(s.supportImages(), h.Image)
		if err != nil {
			t.Fatal(err)
		}
		if res.Best == h.Class {
			modelRight++
		}
		guess := h.Class
		if i < 3 {
			guess = (h.Class + 1) % 20 // three wrong on purpose
		}
		if err := s.Answer(guess); err != nil {
			t.Fatal(err)
		}
		if i < 19 && strings.Contains(s.ChallengeText(), "Published") {
			t.Fatalf("verdict before the end: %q", s.ChallengeText())
		}
		s.NextDrawing()
	}
	text := s.ChallengeText()
	t.Logf("%s", text)
	if c.Model != modelRight || c.You != 17 || !c.Done() {
		t.Fatalf("you %d, model %d (want %d), done %v", c.You, c.Model, modelRight, c.Done())
	}
	modelErrs := fmt.Sprintf("%d errors in 20 (%.1f %%).", 20-modelRight, 5*float64(20-modelRight))
	if modelRight == 19 {
		modelErrs = "1 error in 20 (5.0 %)."
	}
	for _, want := range []string{
		"On Lake's run 3 you made 3 errors in 20 (15.0 %), the model " + modelErrs,
		"Published error rates, each the mean over all 20 runs (400 tests): people 4.5 %, Bayesian Program Learning 3.3 %, Koch et al.'s Siamese ConvNet 8.0 %.",
		"One run is only 20 tests, so one answer moves its rate by 5 points: a noisy comparison.",
		"Score: you 17 of 20, the model " + fmt.Sprint(modelRight) + " of 20. That was the last drawing.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("end text lacks %q:\n%s", want, text)
		}
	}
	if modelRight < 14 {
		t.Errorf("the challenger got %d of run 3's 20 tests", modelRight)
	}
}

// TestChallengerText: the note fits the model's metadata, from the one-stage
// background model to the two-stage augmented one.
func TestChallengerText(t *testing.T) {
	for _, c := range []struct {
		meta map[string]string
		want string
	}{
		{map[string]string{"episodes": "636", "config": `{"algo":"protonet","split":"lake","way":60,"shot":5}`},
			"a ProtoNet meta-trained on 636 episodes of the 30 background alphabets only"},
		{map[string]string{"episodes": "800", "config": `{"algo":"protonet","split":"lake","way":60,"shot":1,"augment":1,"rotations":true,"val_alphabets":5,"init":"aug-latest.safetensors (protonet, 3600 episodes, sha256 80c74348f3a46643)"}`},
			"a ProtoNet meta-trained on 3\u202f600 episodes, then 800 of 60-way 1-shot, of 25 of the 30 background alphabets (5 more held out to choose it), on drawings with small random distortions (rotation, shear, scale, shift) and their 90° turns as classes of their own, never on the evaluation alphabets"},
		{map[string]string{"episodes": "20000", "config": `{`}, "a ProtoNet meta-trained on 20\u202f000 episodes of the 30 background alphabets only"},
	} {
		if got := ChallengerText(c.meta); got != c.want {
			t.Errorf("ChallengerText(%v)\n got %q\nwant %q", c.meta, got, c.want)
		}
	}
}
