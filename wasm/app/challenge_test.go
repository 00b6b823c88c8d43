package app

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"metaglot/core/omniglot"
	"metaglot/core/preprocess"
	"metaglot/wasm/site"
)

// TestLakeTry: the Lake protocol takes one of Lake's evaluation alphabets,
// every class's example from one drawer and every held-out drawing from
// another (episode.Config SameDrawers), as `metaglot eval -split lake`.
func TestLakeTry(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", site.OmniglotIndex)); err != nil {
		t.Skipf("assets not built: %v", err)
	}
	s, st := newState(t), newStorage()
	f := &siteFetch{got: map[string]int{}}
	j := s.StartTryWith("20", "1", Lake, 7)
	j.Run(f.get)
	s.FinishTry(j, st)
	if s.Classes.Len() != 20 || len(s.Omniglot) != 20 || !s.Lake || !strings.HasPrefix(s.Message, "Lake's task: 20 characters of ") {
		t.Fatalf("%d classes, %d held out, lake %v: %q", s.Classes.Len(), len(s.Omniglot), s.Lake, s.Message)
	}
	ds := s.trySrc.Data
	var alpha omniglot.Alphabet
	for _, a := range ds.Index().Alphabets {
		if strings.HasPrefix(s.Classes.Class(0).Name, strings.ReplaceAll(a.Name, "_", " ")+" ") {
			alpha = a
		}
	}
	if alpha.Set != "evaluation" {
		t.Fatalf("alphabet %q of set %q, want one of the evaluation set", alpha.Name, alpha.Set)
	}
	// Which drawer drew each example: the one whose drawing it is.
	drawerOf := func(class int, img []float32) int {
		for c := range ds.NumCharacters() {
			if ds.Character(c).Alphabet != alpha.Name {
				continue
			}
			for d := range 20 {
				x := make([]float32, preprocess.Size*preprocess.Size)
				ds.WriteImage(x, c, d, 0)
				if slices.Equal(x, img) {
					return d
				}
			}
		}
		t.Fatalf("class %d: an example that is no drawing of %s", class, alpha.Name)
		return -1
	}
	ex := map[int]bool{}
	for i := range s.Classes.Len() {
		ex[drawerOf(i, s.ExampleImage(i, 0))] = true
	}
	held := map[int]bool{}
	for _, h := range s.Omniglot {
		held[h.Drawer] = true
		if drawerOf(h.Class, h.Image) != h.Drawer {
			t.Errorf("held-out %s: drawer %d recorded", h.Label, h.Drawer)
		}
	}
	if len(ex) != 1 || len(held) != 1 {
		t.Fatalf("example drawers %v, held-out drawers %v: want one each", ex, held)
	}
	for d := range ex {
		if held[d] {
			t.Fatal("the examples and the drawings to classify are by the same drawer")
		}
	}
	// 5 examples each: the j-th example of every class by one drawer, the
	// held-out drawings by a sixth.
	j = s.StartTryWith("5", "5", Lake, 8)
	j.Run(f.get)
	s.FinishTry(j, st)
	if s.Classes.Examples() != 25 || !s.Lake {
		t.Fatalf("5-way 5-shot Lake: %d examples: %q", s.Classes.Examples(), s.Message)
	}
	for _, a := range ds.Index().Alphabets {
		if strings.HasPrefix(s.Classes.Class(0).Name, strings.ReplaceAll(a.Name, "_", " ")+" ") {
			alpha = a
		}
	}
	byJ := make([]map[int]bool, 5)
	for jj := range 5 {
		byJ[jj] = map[int]bool{}
		for i := range 5 {
			byJ[jj][drawerOf(i, s.ExampleImage(i, jj))] = true
		}
		if len(byJ[jj]) != 1 {
			t.Errorf("example %d of the classes by drawers %v", jj+1, byJ[jj])
		}
	}
	for _, h := range s.Omniglot {
		for jj := range 5 {
			if byJ[jj][h.Drawer] || h.Drawer != s.Omniglot[0].Drawer {
				t.Errorf("held-out %s by drawer %d, examples' %v", h.Label, h.Drawer, byJ)
			}
		}
	}

	// The Vinyals protocol (the default) takes a drawer per character.
	j = s.StartTry("20", "1", 7)
	j.Run(f.get)
	s.FinishTry(j, st)
	if s.Lake {
		t.Fatal("a Vinyals Try is marked Lake")
	}
	held = map[int]bool{}
	for _, h := range s.Omniglot {
		held[h.Drawer] = true
	}
	if len(held) < 3 {
		t.Errorf("Vinyals Try: held-out drawers %v", held)
	}
	if _, err := PlanLake(ds.Index(), 60, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("60 characters of one evaluation alphabet")
	}
}

// TestChallenge: the visitor answers each held-out drawing of a Lake set,
// then sees the background-only model's answer and both scores.
func TestChallenge(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", site.OmniglotIndex)); err != nil {
		t.Skipf("assets not built: %v", err)
	}
	s, st := newState(t), newStorage()
	f := &siteFetch{got: map[string]int{}}
	j := s.StartTryWith("5", "1", Lake, 3)
	j.Run(f.get)
	s.FinishTry(j, st)
	rng := rand.New(rand.NewPCG(1, 2))
	if err := s.StartChallenge(rng); err == nil || !strings.Contains(err.Error(), "still loading") {
		t.Fatalf("no model yet: %v", err)
	}
	s.SetChallenger(nil, os.ErrNotExist)
	if err := s.StartChallenge(rng); err == nil || !strings.Contains(err.Error(), "could not be loaded") {
		t.Fatalf("missing model: %v", err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", site.Weights(ChallengerModel)))
	if err != nil {
		t.Skip(err)
	}
	s.SetChallenger(data, nil)
	if !strings.HasPrefix(s.ChallengerNote, "a ProtoNet meta-trained on ") || !strings.Contains(s.ChallengerNote, "of the 30 background alphabets") || !strings.Contains(s.ChallengerNote, "random distortions") {
		t.Fatalf("note %q", s.ChallengerNote)
	}
	if err := s.StartChallenge(rng); err != nil {
		t.Fatal(err)
	}
	c := s.Challenge
	if s.QueryImage == nil || !strings.HasPrefix(s.ChallengeText(), "Drawing 1 of 5: which class is it?") || strings.Contains(s.QueryLabel, "drawer") {
		t.Fatalf("first question: %q, label %q", s.ChallengeText(), s.QueryLabel)
	}
	right := 0
	for i := range 5 {
		h := s.Omniglot[c.Order[i]]
		guess := h.Class
		if i%2 == 1 {
			guess = (h.Class + 1) % 5 // wrong on purpose
		} else {
			right++
		}
		if err := s.Answer(guess); err != nil {
			t.Fatal(err)
		}
		if c.You != right || c.Asked != i+1 || !strings.Contains(s.ChallengeText(), "The model: ") {
			t.Fatalf("after %d: you %d of %d: %q", i+1, c.You, c.Asked, s.ChallengeText())
		}
		s.NextDrawing()
	}
	t.Logf("%s", s.ChallengeText())
	if !c.Done() || !strings.HasSuffix(s.ChallengeText(), "That was the last drawing.") || c.Model < 3 {
		t.Errorf("end: done %v, model %d of 5: %q", c.Done(), c.Model, s.ChallengeText())
	}
	if err := s.Answer(9); err != nil || c.Asked != 5 {
		t.Error("an answer after the last drawing counted")
	}
	s.DeleteClass(0)
	if s.Challenge != nil {
		t.Error("the challenge outlives its classes")
	}
}
