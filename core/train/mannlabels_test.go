package train_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/train"
)

// TestValidateStringLabels: the held-out monitor of a MANN with string
// labels counts an answer right only when all five characters are (the
// classifier's Predict, as metaglot eval's cells), not the most probable
// of the task's strings, which would be right on about one query in way
// for an untrained network.
func TestValidateStringLabels(t *testing.T) {
	d := synthetic(t)
	c := config(t, "mann", func(c *modelfile.Config) {
		c.Labels, c.Way, c.MetaBatch, c.Episodes, c.ValEvery, c.ValEpisodes = "string", 5, 1, 1, 1, 8
	})
	r := newRun(t, c, d, 0)
	finish(t, r)
	v, err := r.Validate()
	if err != nil {
		t.Fatal(err)
	}
	s, err := episode.NewSampler(d.Dataset, d.Test, episode.Config{Way: c.Way, Shot: 1, Query: 5}, rand.New(rand.NewPCG(c.Seed, 1<<62)))
	if err != nil {
		t.Fatal(err)
	}
	strict, ok := r.Learner().(interface {
		QueryAccuracy(*learner.Task) (float64, error)
	})
	if !ok {
		t.Fatal("the MANN has no QueryAccuracy")
	}
	var want, loose float64
	var ep episode.Episode
	for range c.ValEpisodes {
		s.SampleInto(&ep)
		a, err := strict.QueryAccuracy(train.TaskOf(&ep))
		if err != nil {
			t.Fatal(err)
		}
		b, err := learner.Accuracy(r.Learner(), train.TaskOf(&ep))
		if err != nil {
			t.Fatal(err)
		}
		want, loose = want+a/float64(c.ValEpisodes), loose+b/float64(c.ValEpisodes)
	}
	t.Logf("held-out accuracy %.3f, all five characters right %.3f, the most probable of the task's strings %.3f", v.Acc, want, loose)
	if math.Abs(v.Acc-want) > 1e-12 {
		t.Errorf("held-out accuracy %v, want %v (all five characters right)", v.Acc, want)
	}
	if want == loose {
		t.Errorf("the two counts agree (%v): the test cannot tell them apart", want)
	}
}
