package trainer

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"metaglot/core/algo"
	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/train"
	"metaglot/wasm/trainer/protocol"
)

// MaxCompareEpisodes bounds a compare request.
const MaxCompareEpisodes = 1000

// compareJob measures the bundled models on test episodes for the Learn
// view (CmdCompare): one algorithm after the other, each on the same
// episodes (the request's seed), as `metaglot eval` does (each query
// classified on its own), in slices of work between the worker's reads of
// commands.
type compareJob struct {
	req     protocol.CompareRequest
	algos   []compareAlgo
	cur     int // the algorithm being measured
	sampler *episode.Sampler
	split   *episode.Split
	ep      episode.Episode
}

// compareAlgo is one algorithm's learner (nil with err set) and its
// accuracies so far.
type compareAlgo struct {
	name string
	l    learner.Learner
	note string
	err  error
	accs []float64
}

// checkCompare refuses a request the held-out split cannot serve, with a
// message naming the setting.
func checkCompare(r protocol.CompareRequest, lim protocol.Limits) error {
	switch {
	case len(r.Algos) == 0:
		return errors.New("compare: no algorithms")
	case r.Way < 2 || r.Way > lim.TestClasses:
		return fmt.Errorf("compare: way %d: want 2 to %d (the held-out classes)", r.Way, lim.TestClasses)
	case r.Shot < 1 || r.Query < 1 || r.Shot+r.Query > algo.Drawers:
		return fmt.Errorf("compare: shot %d, query %d: want each ≥ 1 and shot+query ≤ %d", r.Shot, r.Query, algo.Drawers)
	case r.Episodes < 1 || r.Episodes > MaxCompareEpisodes:
		return fmt.Errorf("compare: episodes %d: want 1 to %d", r.Episodes, MaxCompareEpisodes)
	}
	for _, a := range r.Algos {
		if _, err := algo.Lookup(a); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
	}
	return nil
}

// startCompare sets up a compare job (replacing one in progress); the
// worker's Work runs it. It refuses while a training run is going.
func (l *Loop) startCompare(c protocol.Command) []protocol.Event {
	fail := func(err error) []protocol.Event { return []protocol.Event{{Type: protocol.EvError, Msg: err.Error()}} }
	if c.Compare == nil {
		return fail(errors.New("compare: no request"))
	}
	if l.T.State() == protocol.Running {
		return fail(errors.New("compare: a training run is going: pause or stop it first"))
	}
	r := *c.Compare
	if err := checkCompare(r, l.T.Limits()); err != nil {
		return fail(err)
	}
	split, err := l.T.ds.Split(TestSplit)
	if err != nil {
		return fail(err)
	}
	if miss := l.T.ds.Missing(split); len(miss) > 0 {
		return fail(fmt.Errorf("compare: the held-out images are not loaded yet (%d alphabets missing)", len(miss)))
	}
	j := &compareJob{req: r, split: split}
	for _, name := range r.Algos {
		j.algos = append(j.algos, l.compareLearner(name, r.Way))
	}
	if err := j.restart(l.T); err != nil {
		return fail(err)
	}
	l.cmp = j
	return nil
}

// compareLearner makes the learner of algorithm name from its bundled
// weights and recipe; a model with a learned head of another number of
// classes classifies from its prototype head (as metaglot eval
// -proto-head, the evaluation table's 20-way cells).
func (l *Loop) compareLearner(name string, way int) compareAlgo {
	a := compareAlgo{name: name}
	if l.Bundled == nil {
		a.err = errors.New("this page has no bundled weights")
		return a
	}
	w, err := l.Bundled(name)
	if err != nil {
		a.err = err
		return a
	}
	spec, _ := algo.Lookup(name)
	cfg := spec.Quick
	if w.Config != nil {
		cfg = *w.Config
	}
	cfg.Algo, cfg.Net = name, w.Net // the weights' network, even when their recipe is unknown
	if spec.HasHead(cfg) && cfg.Way != way {
		if !spec.Caps.ProtoHead {
			a.err = fmt.Errorf("its head has %d classes", cfg.Way)
			return a
		}
		cfg.ProtoHead = true
		a.note = fmt.Sprintf("prototype head (its learned head has %d classes)", cfg.Way)
	}
	if a.l, err = spec.New(cfg, w.Params.Clone(), nil); err != nil {
		a.err = err
	}
	return a
}

// restart draws the request's episodes again from their first, for the
// current algorithm.
func (j *compareJob) restart(t *Trainer) error {
	s, err := episode.NewSampler(t.ds, j.split, episode.Config{Way: j.req.Way, Shot: j.req.Shot, Query: j.req.Query},
		rand.New(rand.NewPCG(j.req.Seed, 0)))
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	j.sampler = s
	return nil
}

// result is algorithm i's event.
func (j *compareJob) result(i int) protocol.Event {
	a := j.algos[i]
	r := &protocol.CompareResult{Algo: a.name, Way: j.req.Way, Shot: j.req.Shot, Episodes: j.req.Episodes, Done: len(a.accs), Note: a.note}
	if a.err != nil {
		r.Err = a.err.Error()
	}
	mean, ci := learner.MeanCI95(a.accs)
	r.Accuracy, r.CI95 = 100*mean, 100*ci
	return protocol.Event{Type: protocol.EvCompare, Compared: r}
}

// compareWork runs episodes for about budget (at least one) and returns
// the current algorithm's result so far, and each finished one's.
func (l *Loop) compareWork(budget time.Duration) []protocol.Event {
	j := l.cmp
	var ev []protocol.Event
	start := l.now()
	for j.cur < len(j.algos) {
		a := &j.algos[j.cur]
		if a.err == nil && len(a.accs) < j.req.Episodes {
			j.sampler.SampleInto(&j.ep)
			acc, err := learner.AccuracyOf(a.l, train.TaskOf(&j.ep), learner.OneAtATime)
			if err != nil {
				a.err = fmt.Errorf("episode %d: %w", len(a.accs)+1, err)
			} else {
				a.accs = append(a.accs, acc)
			}
		}
		if a.err != nil || len(a.accs) == j.req.Episodes {
			ev = append(ev, j.result(j.cur))
			j.cur++
			if j.cur < len(j.algos) {
				if err := j.restart(l.T); err != nil {
					j.algos[j.cur].err = err
				}
			}
			continue
		}
		if l.now().Sub(start) >= budget {
			return append(ev, j.result(j.cur))
		}
	}
	l.cmp = nil
	return ev
}
