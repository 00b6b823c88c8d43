package train_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/algo"
	_ "metaglot/core/algo/all"
	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/tensor"
	"metaglot/core/train"
)

// synthetic returns Data over a small 1×28×28 synthetic data set: 12
// classes of 8 items for training, 6 held out.
func synthetic(t testing.TB) train.Data {
	t.Helper()
	ds := &episodetest.Synthetic{Classes: 18, Items: 8, Channels: 1, Height: 28, Width: 28}
	var tr, te []int
	for k := range 18 {
		if k < 12 {
			tr = append(tr, k)
		} else {
			te = append(te, k)
		}
	}
	trs, err := episode.NewSplit("train", ds, tr, 1)
	if err != nil {
		t.Fatal(err)
	}
	tes, err := episode.NewSplit("test", ds, te, 1)
	if err != nil {
		t.Fatal(err)
	}
	return train.Data{Dataset: ds, Train: trs, Test: tes}
}

// config returns small settings of algorithm name.
func config(t testing.TB, name string, edit func(*modelfile.Config)) modelfile.Config {
	t.Helper()
	s, err := algo.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Quick
	c.Way, c.Shot, c.Query, c.Episodes, c.ValEvery, c.ValEpisodes = 3, 1, 2, 6, 0, 2
	if s.Caps.Adapts {
		c.InnerSteps, c.AdaptSteps = 1, 1
	}
	if edit != nil {
		edit(&c)
	}
	return c
}

// newRun returns a Run of c from fresh parameters, at episode start.
func newRun(t testing.TB, c modelfile.Config, d train.Data, start int) *train.Run {
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
	r, err := train.New(c, l, d, start)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func finish(t *testing.T, r *train.Run) {
	t.Helper()
	for !r.Finished() {
		if _, err := r.Step(); err != nil {
			t.Fatal(err)
		}
	}
}

func equalSets(t *testing.T, what string, got, want *tensor.Set) {
	t.Helper()
	for i := range want.Len() {
		n, w := want.At(i)
		g := got.Get(n)
		for j := range w.Data {
			if g.Data[j] != w.Data[j] {
				t.Fatalf("%s: %s[%d] = %v, want %v", what, n, j, g.Data[j], w.Data[j])
			}
		}
	}
}

// A run stopped after some steps and resumed from its weights and
// optimizer state (as a checkpoint holds them) ends bit-identical to one
// that never stopped: each step draws from its own stream of the seed.
func TestResumeIsBitIdentical(t *testing.T) {
	d := synthetic(t)
	for _, name := range []string{"protonet", "fomaml", "reptile"} {
		t.Run(name, func(t *testing.T) {
			c := config(t, name, func(c *modelfile.Config) { c.MetaBatch = 2; c.Episodes = 8 })
			whole := newRun(t, c, d, 0)
			finish(t, whole)
			if whole.Episode() != 8 {
				t.Fatalf("run ended at episode %d, want 8", whole.Episode())
			}

			first := newRun(t, c, d, 0)
			for first.Episode() < 4 {
				if _, err := first.Step(); err != nil {
					t.Fatal(err)
				}
			}
			s, _ := algo.Lookup(name)
			l, err := s.New(c, first.Learner().Params().Clone(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.LoadOptimState(first.Learner().OptimState()); err != nil {
				t.Fatal(err)
			}
			rest, err := train.New(c, l, d, first.Episode())
			if err != nil {
				t.Fatal(err)
			}
			finish(t, rest)
			equalSets(t, "resumed", rest.Learner().Params(), whole.Learner().Params())
		})
	}
}

// A step that diverges ends the run with a *Diverged and leaves the
// weights of the last good step.
func TestDivergedKeepsLastGoodWeights(t *testing.T) {
	d := synthetic(t)
	c := config(t, "protonet", func(c *modelfile.Config) { c.LR = 1e30; c.Episodes = 50 })
	r := newRun(t, c, d, 0)
	var before *tensor.Set
	var err error
	for !r.Finished() {
		before = r.Learner().Params().Clone()
		_, err = r.Step()
	}
	var div *train.Diverged
	if !errors.As(err, &div) || !errors.As(r.Err(), &div) {
		t.Fatalf("run of lr 1e30 ended with %v (Err %v), want a *train.Diverged", err, r.Err())
	}
	if div.Episode != r.Episode() || r.Episode() >= c.Episodes {
		t.Errorf("diverged at episode %d, run at %d of %d", div.Episode, r.Episode(), c.Episodes)
	}
	equalSets(t, "after divergence", r.Learner().Params(), before)
	if err := r.Learner().Params().CheckFinite(); err != nil {
		t.Error(err)
	}
	if _, err := r.Step(); err == nil {
		t.Error("Step after divergence: no error")
	}
}

// Checkpoints and validations fall on the steps that cross a multiple of
// checkpoint_every and val_every; the last step is always checkpointed.
func TestSchedule(t *testing.T) {
	d := synthetic(t)
	c := config(t, "fomaml", func(c *modelfile.Config) {
		c.MetaBatch, c.Episodes, c.CheckpointEvery, c.ValEvery = 3, 14, 4, 5
	})
	r := newRun(t, c, d, 0)
	crosses := func(ep, every int) bool { return ep/every > (ep-3)/every }
	for !r.Finished() {
		m, err := r.Step()
		if err != nil {
			t.Fatal(err)
		}
		if want := crosses(m.Episode, 4) || m.Episode >= 14; r.CheckpointDue() != want {
			t.Errorf("episode %d: CheckpointDue %v, want %v", m.Episode, r.CheckpointDue(), want)
		}
		if want := crosses(m.Episode, 5); (m.Val != nil) != want {
			t.Errorf("episode %d: validated %v, want %v", m.Episode, m.Val != nil, want)
		}
		if m.Val != nil && (m.Val.Episodes != 2 || m.Val.Acc < 0 || m.Val.Acc > 1) {
			t.Errorf("episode %d: validation %+v", m.Episode, *m.Val)
		}
		if r.LastEpisode() == nil || r.LastEpisode().Way != 3 {
			t.Errorf("episode %d: LastEpisode %v", m.Episode, r.LastEpisode())
		}
	}
	if r.Episode() != 15 {
		t.Errorf("run ended at episode %d, want 15 (meta-batches of 3)", r.Episode())
	}
}

// Each step uses the algorithm's learning-rate schedule.
func TestLRSchedule(t *testing.T) {
	d := synthetic(t)
	c := config(t, "reptile", func(c *modelfile.Config) { c.MetaBatch, c.Episodes, c.LR = 2, 8, 1 })
	r := newRun(t, c, d, 0)
	for _, want := range []float64{1, 0.75, 0.5, 0.25} {
		m, err := r.Step()
		if err != nil {
			t.Fatal(err)
		}
		if m.LR != want {
			t.Errorf("step to episode %d: ε %v, want %v", m.Episode, m.LR, want)
		}
	}
}

// New refuses settings the registry refuses, and data that cannot give
// the run's episodes.
func TestNewRefuses(t *testing.T) {
	d := synthetic(t)
	c := config(t, "protonet", func(c *modelfile.Config) { c.Way = 1 })
	p, _ := train.InitParams(config(t, "protonet", nil))
	s, _ := algo.Lookup("protonet")
	l, _ := s.New(c, p, nil)
	var se *algo.SettingError
	if _, err := train.New(c, l, d, 0); !errors.As(err, &se) || se.Name != "way" {
		t.Errorf("way 1: %v, want a SettingError for way", err)
	}
	c.Way = 13 // the training split has 12 classes
	var de *train.DataError
	if _, err := train.New(c, l, d, 0); !errors.As(err, &de) {
		t.Errorf("way 13 of 12 classes: %v, want a DataError", err)
	}
	var _ learner.Learner = l
}

// The held-out monitor scores each adapted episode twice: one query at a
// time (Acc) and, for FOMAML and Reptile with batch statistics, with the
// episode's queries normalised together (Transductive, the papers'
// protocol). Transductive is the mean of learner.AccuracyOf(…,
// Transductive) over the validator's own episodes (1-shot 5-query, drawn
// from PCG(seed, 1<<62)), and 0 where it does not apply: ProtoNet, and
// running statistics.
func TestValidateTransductive(t *testing.T) {
	d := synthetic(t)
	for _, tc := range []struct {
		name, bn string
		want     bool
	}{
		{"fomaml", "transductive", true},
		{"fomaml", "support", true},
		{"reptile", "support", true},
		{"fomaml", "running", false},
		{"protonet", "", false},
	} {
		t.Run(tc.name+"-"+tc.bn, func(t *testing.T) {
			c := config(t, tc.name, func(c *modelfile.Config) {
				c.BN, c.MetaBatch, c.Episodes, c.ValEvery, c.ValEpisodes = tc.bn, 2, 4, 4, 6
				if c.AdaptSteps > 0 {
					c.AdaptSteps = 3
				}
			})
			r := newRun(t, c, d, 0)
			finish(t, r)
			v, err := r.Validate()
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want {
				if v.Transductive != 0 {
					t.Errorf("transductive accuracy %v, want none (0)", v.Transductive)
				}
				return
			}
			s, err := episode.NewSampler(d.Dataset, d.Test, episode.Config{Way: c.Way, Shot: 1, Query: 5}, rand.New(rand.NewPCG(c.Seed, 1<<62)))
			if err != nil {
				t.Fatal(err)
			}
			var one, trans float64
			var ep episode.Episode
			for range c.ValEpisodes {
				s.SampleInto(&ep)
				a, err := learner.AccuracyOf(r.Learner(), train.TaskOf(&ep), learner.Transductive)
				if err != nil {
					t.Fatal(err)
				}
				trans += a / float64(c.ValEpisodes)
				if a, err = learner.AccuracyOf(r.Learner(), train.TaskOf(&ep), learner.OneAtATime); err != nil {
					t.Fatal(err)
				}
				one += a / float64(c.ValEpisodes)
			}
			if math.Abs(v.Acc-one) > 1e-12 {
				t.Fatalf("one at a time %v, recomputed %v: not the validator's episodes", v.Acc, one)
			}
			if trans == 0 || math.Abs(v.Transductive-trans) > 1e-12 {
				t.Errorf("transductive %v, want %v (the same episodes scored together)", v.Transductive, trans)
			}
		})
	}
}
