package train_test

import (
	"testing"

	"metaglot/core/algo"
	"metaglot/core/modelfile"
	"metaglot/core/train"
)

// groupsOf returns the groups (class mod 6, the synthetic data's
// alphabets) of the last training episode of r.
func groupsOf(r *train.Run) map[int]bool {
	g := map[int]bool{}
	for _, c := range r.LastEpisode().Classes {
		g[c.Char%6] = true
	}
	return g
}

// With one_alphabet, every training episode comes from one alphabet, and
// the alphabets vary; without it, the same run mixes them.
func TestOneAlphabetEpisodes(t *testing.T) {
	d := grouped(t) // 60 classes in 6 groups of 10
	for _, one := range []bool{true, false} {
		c := config(t, "protonet", func(c *modelfile.Config) { c.Way, c.Episodes, c.OneAlphabet = 4, 12, one })
		r := newRun(t, c, d, 0)
		mixed, seen := 0, map[int]bool{}
		for !r.Finished() {
			if _, err := r.Step(); err != nil {
				t.Fatal(err)
			}
			g := groupsOf(r)
			if len(g) > 1 {
				mixed++
			}
			for k := range g {
				seen[k] = true
			}
			if ep := r.LastEpisode(); ep.Way != 4 {
				t.Errorf("one_alphabet %v: a %d-way episode, want 4", one, ep.Way)
			}
		}
		switch {
		case one && (mixed > 0 || len(seen) < 3):
			t.Errorf("one_alphabet: %d of 12 episodes mix alphabets, %d alphabets drawn", mixed, len(seen))
		case !one && mixed == 0:
			t.Errorf("without one_alphabet: no episode of 12 mixes alphabets")
		}
	}
}

// A way above an alphabet's size: ProtoNet (and FOMAML with proto_head)
// train on all of its classes, a smaller episode; FOMAML's learned head of
// way classes is refused, naming the alphabet and the way that fits.
func TestOneAlphabetCapsWay(t *testing.T) {
	d := grouped(t)
	for _, name := range []string{"protonet", "fomaml"} {
		c := config(t, name, func(c *modelfile.Config) {
			c.Way, c.Episodes, c.OneAlphabet, c.ProtoHead, c.MetaBatch = 12, 4, true, name == "fomaml", 1
		})
		r := newRun(t, c, d, 0)
		for !r.Finished() {
			if _, err := r.Step(); err != nil {
				t.Fatal(err)
			}
			if ep := r.LastEpisode(); ep.Way != 10 || len(groupsOf(r)) != 1 {
				t.Errorf("%s: a %d-way episode from %d alphabets, want all 10 classes of one", name, ep.Way, len(groupsOf(r)))
			}
		}
	}
	c := config(t, "fomaml", func(c *modelfile.Config) { c.Way, c.OneAlphabet = 12, true })
	p, _ := train.InitParams(c)
	s, _ := algo.Lookup("fomaml")
	l, err := s.New(c, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = train.New(c, l, d, 0)
	if _, ok := err.(*train.DataError); !ok {
		t.Fatalf("fomaml's 12-way head within alphabets of 10: %T %v, want a *train.DataError", err, err)
	}
	t.Log(err)
	c.Way = 10
	p, _ = train.InitParams(c)
	if l, err = s.New(c, p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := train.New(c, l, d, 0); err != nil {
		t.Errorf("fomaml's 10-way head within alphabets of 10: %v", err)
	}
}
