package trainer

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/episode"
	"metaglot/core/modelfile"
	"metaglot/core/tensor"
	"metaglot/wasm/trainer/protocol"
)

// conv4Algos are the algorithms whose networks the trainer's snapshots
// know (Conv4, with or without a head).
var conv4Algos = []string{"protonet", "fomaml", "reptile"}

// small returns the page's quick settings of algo (algo.Spec.Quick) on
// small 5-way 1-shot episodes, without held-out measurements.
func small(name string) modelfile.Config {
	s, err := algo.Lookup(name)
	if err != nil {
		panic(err)
	}
	c := s.Quick
	c.Way, c.Shot, c.Query = 5, 1, 2
	c.ValEvery, c.ValEpisodes = 0, 5
	c.Episodes = 1000
	return c
}

// mean returns the mean loss of steps.
func meanLoss(steps []protocol.Step) float64 {
	var s float64
	for _, st := range steps {
		s += st.Loss
	}
	return s / float64(len(steps))
}

func TestProtoNetLearns(t *testing.T) {
	ds := loadData(t)
	tr := newTrainer(t, ds)
	c := small("protonet")
	c.ValEvery = 1000 // held-out episodes to Evaluate on, none due
	if err := tr.Start(c, "", nil); err != nil {
		t.Fatal(err)
	}
	var steps []protocol.Step
	for range 80 {
		st, _, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, st)
	}
	if steps[79].Episode != 80 || tr.Done() != 80 || tr.Current().Episodes != 80 {
		t.Errorf("after 80 steps: episode %d, done %d, weights trained %d", steps[79].Episode, tr.Done(), tr.Current().Episodes)
	}
	// From random weights, 5-way 1-shot loss starts near or above
	// ln 5 ≈ 1.61 and falls within tens of episodes.
	// (The episodes are drawn from a fixed seed: the same every run.)
	first, last := meanLoss(steps[:20]), meanLoss(steps[60:])
	t.Logf("mean loss %.3f then %.3f", first, last)
	if !(last < first-0.3) {
		t.Errorf("mean loss of episodes 1-20 %.3f, of 61-80 %.3f: want a fall", first, last)
	}
	e1, err := tr.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	e2, err := tr.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if *e1 != *e2 {
		t.Errorf("held-out accuracy changed between calls without training: %+v, %+v", *e1, *e2)
	}
	if acc := e1.Acc; !(acc > 0.2 && acc <= 1) || e1.Tasks != 5 {
		t.Errorf("held-out 5-way accuracy %.3f on %d episodes after 80 episodes: want above chance (0.2) on 5", acc, e1.Tasks)
	}
}

func TestRunEndsAfterItsEpisodes(t *testing.T) {
	ds := loadData(t)
	for _, algo := range conv4Algos {
		tr := newTrainer(t, ds)
		c := small(algo)
		c.Episodes, c.MetaBatch = 3, 2
		if c.InnerSteps > 0 {
			c.InnerSteps, c.AdaptSteps = 1, 1
		}
		if err := tr.Start(c, "", nil); err != nil {
			t.Fatal(algo, err)
		}
		var got []int
		for tr.State() == protocol.Running {
			st, _, err := tr.Step()
			if err != nil {
				t.Fatal(algo, err)
			}
			if math.IsNaN(st.Loss) || st.Acc < 0 || st.Acc > 1 {
				t.Errorf("%s: step %+v", algo, st)
			}
			got = append(got, st.Episode)
		}
		// A run's last meta-step may pass its episodes, as in metaglot
		// train (core/train).
		if !slices.Equal(got, []int{2, 4}) || tr.State() != protocol.Finished {
			t.Errorf("%s: episodes after each step %v, state %s; want [2 4], finished", algo, got, tr.State())
		}
		if _, _, err := tr.Step(); err == nil {
			t.Errorf("%s: Step after the run finished: no error", algo)
		}
		if w := tr.Current(); w.Algo != algo || (algo != "protonet") != (w.Way == 5) {
			t.Errorf("%s: current weights algo %q way %d", algo, w.Algo, w.Way)
		}
	}
}

func TestPauseResumeStop(t *testing.T) {
	tr := newTrainer(t, loadData(t))
	if tr.Pause() == nil || tr.Resume() == nil || tr.Stop() == nil {
		t.Error("pause, resume or stop of an idle trainer: no error")
	}
	if err := tr.Start(small("protonet"), "", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tr.Step(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Pause(); err != nil || tr.State() != protocol.Paused {
		t.Fatalf("pause: %v, state %s", err, tr.State())
	}
	if _, _, err := tr.Step(); err == nil {
		t.Error("Step while paused: no error")
	}
	if err := tr.Start(small("protonet"), "", nil); err == nil {
		t.Error("Start while paused: no error")
	}
	if err := tr.Resume(); err != nil || tr.State() != protocol.Running {
		t.Fatalf("resume: %v, state %s", err, tr.State())
	}
	if st, _, err := tr.Step(); err != nil || st.Episode != 2 {
		t.Fatalf("step after resume: %+v, %v", st, err)
	}
	if err := tr.Stop(); err != nil || tr.State() != protocol.Stopped {
		t.Fatalf("stop: %v, state %s", err, tr.State())
	}
	// The weights trained so far stay current, and a new run can start
	// from them.
	if tr.Current().Episodes != 2 {
		t.Errorf("current weights trained %d episodes, want 2", tr.Current().Episodes)
	}
	c := small("protonet")
	before := tr.Current().Params.Clone()
	if err := tr.Start(c, protocol.InitCurrent, nil); err != nil {
		t.Fatal(err)
	}
	if !sameValues(before, tr.Current().Params) {
		t.Error("a run from the current weights does not start from them")
	}
}

func sameValues(a, b *tensor.Set) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := range a.Len() {
		n, x := a.At(i)
		y := b.Get(n)
		if y == nil || !slices.Equal(x.Data, y.Data) {
			return false
		}
	}
	return true
}

// poisoned is a data set that puts a NaN into image number at (counting
// the images written from 0).
type poisoned struct {
	episode.Dataset
	n, at int
}

func (p *poisoned) WriteImage(dst []float32, k, i, rot int) {
	p.Dataset.WriteImage(dst, k, i, rot)
	if p.n == p.at {
		dst[0] = float32(math.NaN())
	}
	p.n++
}

func TestNaNStopsAndKeepsLastGoodWeights(t *testing.T) {
	for _, algo := range conv4Algos {
		tr := newTrainer(t, loadData(t))
		c := small(algo)
		c.MetaBatch = 1
		if c.InnerSteps > 0 {
			c.InnerSteps = 1
		}
		// The third episode's first image (5-way, 1 + 2 images a class).
		tr.wrapData = func(ds episode.Dataset) episode.Dataset { return &poisoned{Dataset: ds, at: 2 * 5 * 3} }
		if err := tr.Start(c, "", nil); err != nil {
			t.Fatal(err)
		}
		var good *tensor.Set
		for i := range 2 {
			if _, _, err := tr.Step(); err != nil {
				t.Fatalf("%s: step %d: %v", algo, i, err)
			}
			good = tr.Current().Params.Clone()
		}
		_, _, err := tr.Step()
		if err == nil || tr.State() != protocol.Diverged {
			t.Fatalf("%s: step on a NaN image: error %v, state %s; want an error and diverged", algo, err, tr.State())
		}
		if !errors.Is(tr.Err(), err) && tr.Err() != err {
			t.Errorf("%s: Err() = %v, want the step's error", algo, tr.Err())
		}
		if msg := err.Error(); !strings.Contains(msg, "episode 3") || !strings.Contains(msg, "weights of episode 2 are kept") {
			t.Errorf("%s: error %q: want it to name episode 3 and the kept weights of episode 2", algo, msg)
		}
		if !sameValues(good, tr.Current().Params) {
			t.Errorf("%s: weights after the failed step differ from the last good ones", algo)
		}
		if err := tr.Current().Params.CheckFinite(); err != nil {
			t.Errorf("%s: kept weights: %v", algo, err)
		}
	}
}

func TestHugeLearningRateDiverges(t *testing.T) {
	tr := newTrainer(t, loadData(t))
	c := small("reptile")
	c.LR, c.InnerLR, c.InnerSteps, c.MetaBatch = 1e30, algo.MaxInnerLR, 2, 1
	if err := tr.Start(c, "", nil); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 20 && err == nil; i++ {
		_, _, err = tr.Step()
	}
	if err == nil || tr.State() != protocol.Diverged {
		t.Fatalf("20 steps at learning rate 1e30: error %v, state %s; want diverged", err, tr.State())
	}
	t.Log(err)
	if cerr := tr.Current().Params.CheckFinite(); cerr != nil {
		t.Errorf("kept weights are not finite: %v", cerr)
	}
}
