package train_test

import (
	"slices"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/train"
)

// recorder is a Learner that keeps a copy of the images of every task it
// trains on (Step) and adapts to (Adapt: validation).
type recorder struct {
	learner.Learner
	stepped, adapted [][]float32
}

func images(t *learner.Task) []float32 {
	out := append([]float32(nil), t.Support.Data...)
	if t.Query != nil {
		out = append(out, t.Query.Data...)
	}
	return out
}

func (r *recorder) Step(tasks []*learner.Task) (learner.Metrics, error) {
	for _, t := range tasks {
		r.stepped = append(r.stepped, images(t))
	}
	return r.Learner.Step(tasks)
}

func (r *recorder) Adapt(t *learner.Task) (learner.Classifier, error) {
	r.adapted = append(r.adapted, images(t))
	return r.Learner.Adapt(t)
}

// grouped returns Data over a synthetic data set of 60 classes in 6
// groups ("alphabets"), all for training, none held out.
func grouped(t *testing.T) train.Data {
	t.Helper()
	ds := (&episodetest.Synthetic{Classes: 60, Items: 8, Channels: 1, Height: 28, Width: 28, Groups: 6}).Grouped()
	tr, err := episode.NewSplit("all", ds, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	return train.Data{Dataset: ds, Train: tr}
}

func recordRun(t *testing.T, c modelfile.Config, d train.Data) (*train.Run, *recorder) {
	t.Helper()
	p, err := train.InitParams(c)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := algo.Lookup(c.Algo)
	l, err := s.New(c, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Learner: l}
	r, err := train.New(c, rec, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	return r, rec
}

// Training episodes are distorted (augment), the same way for the same
// seed and step, with the classes, drawers and labels of the undistorted
// run; validation episodes are not distorted.
func TestAugmentTrainingOnly(t *testing.T) {
	d := grouped(t)
	cfg := func(aug float64) modelfile.Config {
		return config(t, "protonet", func(c *modelfile.Config) {
			c.Split, c.Augment, c.Episodes, c.ValEvery, c.ValEpisodes, c.ValAlphabets = "lake", aug, 2, 1, 3, 2
		})
	}
	plain, pr := recordRun(t, cfg(0), d)
	aug, ar := recordRun(t, cfg(1), d)
	aug2, ar2 := recordRun(t, cfg(1), d)
	for step := range 2 {
		for _, r := range []*train.Run{plain, aug, aug2} {
			if _, err := r.Step(); err != nil {
				t.Fatal(err)
			}
		}
		pe, ae := plain.LastEpisode(), aug.LastEpisode()
		if !slices.Equal(pe.Classes, ae.Classes) || !slices.Equal(pe.Drawers, ae.Drawers) || !slices.Equal(pe.Labels, ae.Labels) {
			t.Fatalf("step %d: the distorted run drew other classes, drawers or labels", step)
		}
	}
	if len(ar.stepped) != 2 || len(pr.stepped) != 2 {
		t.Fatalf("trained on %d and %d tasks, want 2 each", len(pr.stepped), len(ar.stepped))
	}
	for i := range ar.stepped {
		if slices.Equal(ar.stepped[i], pr.stepped[i]) {
			t.Errorf("training task %d: augment 1 trained on the undistorted images", i)
		}
		if !slices.Equal(ar.stepped[i], ar2.stepped[i]) {
			t.Errorf("training task %d: the same seed distorted differently", i)
		}
		changed := 0
		for j := range ar.stepped[i] {
			if ar.stepped[i][j] != pr.stepped[i][j] {
				changed++
			}
		}
		t.Logf("task %d: %d of %d values distorted", i, changed, len(ar.stepped[i]))
	}
	// validation after each step: 3 episodes each, identical images
	if len(ar.adapted) != 6 || len(pr.adapted) != 6 {
		t.Fatalf("validated %d and %d tasks, want 6 each", len(pr.adapted), len(ar.adapted))
	}
	for i := range ar.adapted {
		if !slices.Equal(ar.adapted[i], pr.adapted[i]) {
			t.Errorf("validation task %d: distorted", i)
		}
	}
}

// val_alphabets holds alphabets out of training and validates on them
// (within one alphabet, drawers paired); rotations adds the turned
// classes to training only.
func TestHoldOutAndRotations(t *testing.T) {
	d := grouped(t)
	c := config(t, "protonet", func(c *modelfile.Config) {
		c.Split, c.ValAlphabets, c.Rotations, c.ValEvery, c.ValEpisodes, c.Episodes = "lake", 2, true, 2, 2, 4
	})
	r, rec := recordRun(t, c, d)
	// 6 groups, 2 held out: positions ⌊6/4⌋ = 1 and ⌊18/4⌋ = 4
	if !slices.Equal(r.HeldOut(), []string{"g1", "g4"}) {
		t.Fatalf("held out %v, want [g1 g4]", r.HeldOut())
	}
	rd := r.Data()
	if len(rd.Train.Classes) != 40*4 || len(rd.Test.Classes) != 20 || !rd.OneAlphabet {
		t.Fatalf("training %d classes, validation %d (one alphabet %v), want 160, 20, true", len(rd.Train.Classes), len(rd.Test.Classes), rd.OneAlphabet)
	}
	for _, cl := range rd.Test.Classes {
		if g := cl.Char % 6; (g != 1 && g != 4) || cl.Rot != 0 {
			t.Errorf("validation class %+v of group g%d", cl, g)
		}
	}
	turned := false
	for !r.Finished() {
		m, err := r.Step()
		if err != nil {
			t.Fatal(err)
		}
		for _, cl := range r.LastEpisode().Classes {
			if g := cl.Char % 6; g == 1 || g == 4 {
				t.Errorf("episode %d trained on class %+v of held-out group g%d", m.Episode, cl, g)
			}
			turned = turned || cl.Rot != 0
		}
		if m.Episode%2 == 0 && m.Val == nil {
			t.Errorf("episode %d: no validation", m.Episode)
		}
	}
	if !turned {
		t.Error("no turned class in 4 training episodes of 3 classes (3/4 of the classes are turned)")
	}
	if len(rec.adapted) != 4 {
		t.Errorf("validated %d tasks, want 4", len(rec.adapted))
	}

	// Too many alphabets is the data's problem, said as such.
	c.ValAlphabets = 6
	p, _ := train.InitParams(c)
	s, _ := algo.Lookup("protonet")
	l, _ := s.New(c, p, nil)
	if _, err := train.New(c, l, d, 0); err == nil {
		t.Error("holding 6 of 6 alphabets out: no error")
	} else if _, ok := err.(*train.DataError); !ok {
		t.Errorf("holding 6 of 6 alphabets out: %T %v, want a *train.DataError", err, err)
	}
}

// The settings stay Lake's: rotations and val_alphabets on the Vinyals
// split are refused.
func TestLakeOnlySettings(t *testing.T) {
	for _, edit := range []func(*modelfile.Config){
		func(c *modelfile.Config) { c.Rotations = true },
		func(c *modelfile.Config) { c.ValAlphabets = 5 },
	} {
		c := config(t, "protonet", edit)
		c.Split = "vinyals"
		if err := algo.Check(c); err == nil {
			t.Errorf("%+v on vinyals: no error", c)
		}
		c.Split = "lake"
		if err := algo.Check(c); err != nil {
			t.Errorf("on lake: %v", err)
		}
	}
}
