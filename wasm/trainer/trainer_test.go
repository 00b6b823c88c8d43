package trainer

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/tensor"
	"metaglot/wasm/trainer/protocol"
)

func small(algo string) protocol.Config {
	c := protocol.Defaults(algo)
	c.Way, c.Shot, c.Query = 5, 1, 2
	c.EvalEvery, c.EvalTasks = 0, 5
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
	if err := tr.Start(c, nil); err != nil {
		t.Fatal(err)
	}
	var steps []protocol.Step
	for range 40 {
		st, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, st)
	}
	if steps[39].Episode != 40 || tr.Done() != 40 || tr.Current().Episodes != 40 {
		t.Errorf("after 40 steps: episode %d, done %d, weights trained %d", steps[39].Episode, tr.Done(), tr.Current().Episodes)
	}
	// From random weights, 5-way 1-shot loss starts near ln 5 ≈ 1.61 and
	// falls within tens of episodes.
	// (The episodes are drawn from a fixed seed: the same every run.)
	first, last := meanLoss(steps[:10]), meanLoss(steps[30:])
	t.Logf("mean loss %.3f then %.3f", first, last)
	if !(last < first-0.1) {
		t.Errorf("mean loss of episodes 1-10 %.3f, of 31-40 %.3f: want a fall", first, last)
	}
	acc, ci, err := tr.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	acc2, ci2, err := tr.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if acc != acc2 || ci != ci2 {
		t.Errorf("held-out accuracy changed between calls without training: %v±%v, %v±%v", acc, ci, acc2, ci2)
	}
	if !(acc > 0.2 && acc <= 1) {
		t.Errorf("held-out 5-way accuracy %.3f after 40 episodes: want above chance (0.2)", acc)
	}
}

func TestRunEndsAfterItsEpisodes(t *testing.T) {
	ds := loadData(t)
	for _, algo := range protocol.Algorithms() {
		tr := newTrainer(t, ds)
		c := small(algo)
		c.Episodes, c.MetaBatch, c.InnerSteps, c.AdaptSteps = 3, 2, 1, 1
		if err := tr.Start(c, nil); err != nil {
			t.Fatal(algo, err)
		}
		var got []int
		for tr.State() == protocol.Running {
			st, err := tr.Step()
			if err != nil {
				t.Fatal(algo, err)
			}
			if math.IsNaN(st.Loss) || st.Acc < 0 || st.Acc > 1 {
				t.Errorf("%s: step %+v", algo, st)
			}
			got = append(got, st.Episode)
		}
		if !slices.Equal(got, []int{2, 3}) || tr.State() != protocol.Finished {
			t.Errorf("%s: episodes after each step %v, state %s; want [2 3], finished", algo, got, tr.State())
		}
		if _, err := tr.Step(); err == nil {
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
	if err := tr.Start(small("protonet"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Step(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Pause(); err != nil || tr.State() != protocol.Paused {
		t.Fatalf("pause: %v, state %s", err, tr.State())
	}
	if _, err := tr.Step(); err == nil {
		t.Error("Step while paused: no error")
	}
	if err := tr.Start(small("protonet"), nil); err == nil {
		t.Error("Start while paused: no error")
	}
	if err := tr.Resume(); err != nil || tr.State() != protocol.Running {
		t.Fatalf("resume: %v, state %s", err, tr.State())
	}
	if st, err := tr.Step(); err != nil || st.Episode != 2 {
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
	c.Init = protocol.InitCurrent
	before := tr.Current().Params.Clone()
	if err := tr.Start(c, nil); err != nil {
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

// poisoned draws episodes from s and puts a NaN into the first image of
// the episode numbered at (counting from 0).
type poisoned struct {
	s  Sampler
	n  int
	at int
}

func (p *poisoned) SampleInto(ep *episode.Episode) {
	p.s.SampleInto(ep)
	if p.n == p.at {
		ep.Images.Data[0] = float32(math.NaN())
	}
	p.n++
}

func TestNaNStopsAndKeepsLastGoodWeights(t *testing.T) {
	for _, algo := range protocol.Algorithms() {
		tr := newTrainer(t, loadData(t))
		c := small(algo)
		c.MetaBatch, c.InnerSteps = 1, 1
		if err := tr.Start(c, nil); err != nil {
			t.Fatal(err)
		}
		tr.train = &poisoned{s: tr.train, at: 2}
		var good *tensor.Set
		for i := range 2 {
			if _, err := tr.Step(); err != nil {
				t.Fatalf("%s: step %d: %v", algo, i, err)
			}
			good = tr.Current().Params.Clone()
		}
		_, err := tr.Step()
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
	c.LR, c.InnerLR, c.InnerSteps, c.MetaBatch = 1e30, 1e30, 2, 1
	if err := tr.Start(c, nil); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 20 && err == nil; i++ {
		_, err = tr.Step()
	}
	if err == nil || tr.State() != protocol.Diverged {
		t.Fatalf("20 steps at learning rate 1e30: error %v, state %s; want diverged", err, tr.State())
	}
	t.Log(err)
	if cerr := tr.Current().Params.CheckFinite(); cerr != nil {
		t.Errorf("kept weights are not finite: %v", cerr)
	}
}
