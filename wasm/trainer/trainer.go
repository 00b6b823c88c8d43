package trainer

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/maml"
	"metaglot/core/nn"
	"metaglot/core/omniglot"
	"metaglot/core/protonet"
	"metaglot/core/reptile"
	"metaglot/core/tensor"
	"metaglot/wasm/trainer/protocol"
)

// Sampler draws training episodes (episode.Sampler does).
type Sampler interface {
	SampleInto(ep *episode.Episode)
}

// Trainer is a training session over a dataset: the current weights and,
// during a run, the learner that trains them. It is not safe for
// concurrent use. The zero value is not usable: use New.
type Trainer struct {
	ds  *omniglot.Dataset
	now func() time.Time

	w     *Weights        // current weights; w.Params is trained in place
	cfg   protocol.Config // the run's settings
	state protocol.State
	err   error  // why the run stopped (protocol.Diverged)
	note  string // what the run's start should say (a fresh head, say)
	done  int    // episodes of the run done

	l           learner.Learner
	train       Sampler
	trainSplit  *omniglot.Split
	testSplit   *omniglot.Split
	rng         *rand.Rand
	eps         []episode.Episode
	tasks       []*learner.Task
	good        *tensor.Set // the weights after the last good step
	last        *episode.Episode
	startedAt   time.Time
	runningTime time.Duration // of earlier stretches of the run

	view viewWork
}

// New returns an idle Trainer over ds, whose alphabets of TrainSplit and
// TestSplit must be loaded before Start, holding initial as its current
// weights (nil: none yet). now is the clock for the wall time recorded in
// weight files (time.Now).
func New(ds *omniglot.Dataset, initial *Weights, now func() time.Time) (*Trainer, error) {
	t := &Trainer{ds: ds, now: now, state: protocol.Idle, w: initial}
	var err error
	if t.trainSplit, err = ds.Split(TrainSplit); err != nil {
		return nil, err
	}
	if t.testSplit, err = ds.Split(TestSplit); err != nil {
		return nil, err
	}
	return t, nil
}

// State returns the trainer's state.
func (t *Trainer) State() protocol.State { return t.state }

// Err returns why the last run stopped early (Diverged), or nil.
func (t *Trainer) Err() error { return t.err }

// Note returns what the start of the run has to say (or "").
func (t *Trainer) Note() string { return t.note }

// Config returns the settings of the current or last run.
func (t *Trainer) Config() protocol.Config { return t.cfg }

// Done returns the episodes of the current or last run done so far.
func (t *Trainer) Done() int { return t.done }

// Current returns the current weights (nil if there are none yet); they
// change in place while a run trains.
func (t *Trainer) Current() *Weights { return t.w }

// Limits returns the class counts of the trainer's splits.
func (t *Trainer) Limits() protocol.Limits {
	return protocol.Limits{TrainClasses: len(t.trainSplit.Classes), TestClasses: len(t.testSplit.Classes)}
}

// Start begins a run of c. The weights it trains are fresh (InitScratch),
// bundled (a copy of the weights passed here, which the caller read from
// the build's model file), or the current ones (InitCurrent; bundled is
// ignored). It returns an error, changing nothing, if c is impossible (a
// *FieldError naming the setting), a run is going (pause or stop it
// first), or the starting weights do not fit c.
func (t *Trainer) Start(c protocol.Config, bundled *Weights) error {
	if t.state == protocol.Running || t.state == protocol.Paused {
		return errors.New("a run is going: stop it before starting another")
	}
	if err := c.Check(t.Limits()); err != nil {
		return err
	}
	if miss := t.ds.Missing(t.trainSplit); len(miss) > 0 {
		return fmt.Errorf("the training images are not loaded yet (%d alphabets missing)", len(miss))
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x6d657461))
	var params *tensor.Set
	var note string
	switch c.Init {
	case protocol.InitScratch:
		if c.HasHead() {
			params = learner.NewHeadNetParams(rng, c.Way)
		} else {
			params = nn.NewConv4Params(rng)
		}
	case protocol.InitBundled, protocol.InitCurrent:
		from, what := bundled, "bundled"
		if c.Init == protocol.InitCurrent {
			from, what = t.w, "current"
		}
		if from == nil {
			return &protocol.FieldError{Field: "init", Msg: "there are no " + what + " weights to start from: start from scratch"}
		}
		var err error
		if params, note, err = from.paramsFor(c, rng); err != nil {
			return err
		}
	}
	l, err := newLearner(c, params)
	if err != nil {
		return err
	}
	train, err := episode.NewSampler(t.ds, t.trainSplit, episode.Config{Way: c.Way, Shot: c.Shot, Query: c.Query}, rng)
	if err != nil {
		return err
	}
	w := &Weights{Params: params, Algo: c.Algo}
	if c.HasHead() {
		w.Way = c.Way
	}
	if c.Init != protocol.InitScratch && bundledOrCurrent(c, bundled, t.w) != nil {
		src := bundledOrCurrent(c, bundled, t.w)
		w.Episodes, w.Seconds = src.Episodes, src.Seconds
	}
	t.w, t.cfg, t.l, t.train, t.rng = w, c, l, train, rng
	t.state, t.err, t.note, t.done, t.last = protocol.Running, nil, note, 0, nil
	t.eps = make([]episode.Episode, c.MetaBatch)
	t.tasks = make([]*learner.Task, c.MetaBatch)
	t.good = params.Clone()
	t.startedAt, t.runningTime = t.now(), 0
	t.view.params = nil // the user's drawings stay
	return nil
}

func bundledOrCurrent(c protocol.Config, bundled, current *Weights) *Weights {
	if c.Init == protocol.InitCurrent {
		return current
	}
	return bundled
}

// newLearner builds c's learner around params (trained in place), on one
// goroutine (the browser's worker has one thread).
func newLearner(c protocol.Config, params *tensor.Set) (learner.Learner, error) {
	switch c.Algo {
	case "fomaml":
		return maml.New(params, maml.Config{InnerSteps: c.InnerSteps, InnerLR: c.InnerLR, AdaptSteps: c.Adapt(), LR: c.LR})
	case "reptile":
		return reptile.New(params, reptile.Config{InnerSteps: c.InnerSteps, InnerLR: c.InnerLR, AdaptSteps: c.Adapt(), Epsilon: c.LR})
	}
	return protonet.New(params, protonet.Config{LR: c.LR})
}

// taskOf returns the learner's view of an episode (sharing its data).
func taskOf(ep *episode.Episode) *learner.Task {
	ns := ep.NumSupport()
	return &learner.Task{
		Way:     ep.Way,
		Support: ep.Support(), SupportLabels: ep.Labels[:ns],
		Query: ep.Queries(), QueryLabels: ep.QueryLabels(),
	}
}

// Pause holds a running run; Resume continues it. Each returns an error
// if the trainer is not in the state it needs.
func (t *Trainer) Pause() error {
	if t.state != protocol.Running {
		return fmt.Errorf("cannot pause: training is %s", t.state)
	}
	t.state = protocol.Paused
	t.runningTime += t.now().Sub(t.startedAt)
	return nil
}

// Resume continues a paused run.
func (t *Trainer) Resume() error {
	if t.state != protocol.Paused {
		return fmt.Errorf("cannot resume: training is %s", t.state)
	}
	t.state = protocol.Running
	t.startedAt = t.now()
	return nil
}

// Stop ends a running or paused run; the weights trained so far stay the
// current weights.
func (t *Trainer) Stop() error {
	if t.state != protocol.Running && t.state != protocol.Paused {
		return fmt.Errorf("cannot stop: training is %s", t.state)
	}
	t.end(protocol.Stopped)
	return nil
}

func (t *Trainer) end(s protocol.State) {
	if t.state == protocol.Running {
		t.runningTime += t.now().Sub(t.startedAt)
	}
	t.w.Seconds += t.runningTime.Seconds()
	t.runningTime = 0
	t.state = s
}

// Step trains one meta-step: MetaBatch episodes (fewer if the run has
// fewer left). A loss, gradient or weight that is NaN or infinite ends the
// run (Diverged, with the error kept in Err and returned) and restores the
// weights of the last good step. Step returns an error, doing nothing, if
// the trainer is not running.
func (t *Trainer) Step() (protocol.Step, error) {
	if t.state != protocol.Running {
		return protocol.Step{}, fmt.Errorf("cannot step: training is %s", t.state)
	}
	n := min(t.cfg.MetaBatch, t.cfg.Episodes-t.done)
	for i := range n {
		t.train.SampleInto(&t.eps[i])
		t.tasks[i] = taskOf(&t.eps[i])
	}
	t.l.SetLR(t.cfg.LRAt(t.done))
	m, err := t.l.Step(t.tasks[:n])
	if err == nil {
		err = learner.CheckLoss(m.Loss)
	}
	if err == nil {
		err = t.w.Params.CheckFinite()
	}
	if err != nil {
		// The learners leave the weights alone on a failed step; the copy
		// also undoes a step that made a weight infinite.
		if cerr := t.w.Params.CopyFrom(t.good); cerr != nil {
			panic("trainer: weights changed shape: " + cerr.Error())
		}
		t.err = fmt.Errorf("training stopped at episode %d: %w; the weights of episode %d are kept", t.done+n, err, t.done)
		t.end(protocol.Diverged)
		return protocol.Step{Episode: t.done, Loss: m.Loss, Acc: m.Acc}, t.err
	}
	if cerr := t.good.CopyFrom(t.w.Params); cerr != nil {
		panic("trainer: weights changed shape: " + cerr.Error())
	}
	t.done += n
	t.w.Episodes += n
	t.last = &t.eps[0]
	if t.done >= t.cfg.Episodes {
		t.end(protocol.Finished)
	}
	return protocol.Step{Episode: t.done, Loss: m.Loss, Acc: m.Acc}, nil
}

// Evaluate returns the mean accuracy, and its 95% confidence half-width,
// of the current weights on EvalTasks held-out episodes of the run's
// shape (N, K, Q). The episodes are the same at every call of a run (a
// fixed seed), so successive figures compare the weights, not the luck of
// the draw.
func (t *Trainer) Evaluate() (acc, ci95 float64, err error) {
	if t.l == nil {
		return 0, 0, errors.New("no run to evaluate")
	}
	c := t.cfg
	s, err := episode.NewSampler(t.ds, t.testSplit, episode.Config{Way: c.Way, Shot: c.Shot, Query: c.Query}, rand.New(rand.NewPCG(c.Seed, 0x74657374)))
	if err != nil {
		return 0, 0, fmt.Errorf("held-out episodes: %w", err)
	}
	var ep episode.Episode
	accs := make([]float64, c.Tasks())
	for i := range accs {
		s.SampleInto(&ep)
		if accs[i], err = learner.Accuracy(t.l, taskOf(&ep)); err != nil {
			return 0, 0, fmt.Errorf("held-out episode %d: %w", i, err)
		}
	}
	acc, ci95 = learner.MeanCI95(accs)
	return acc, ci95, nil
}

// Weights returns the current weights as a metaglot model file.
func (t *Trainer) Weights() ([]byte, error) {
	if t.w == nil {
		return nil, errors.New("no weights yet: train or load some first")
	}
	c := t.cfg
	if c.Algo != t.w.Algo { // loaded weights, no run of theirs
		c = protocol.Defaults(t.w.Algo)
		if t.w.Way > 0 {
			c.Way = t.w.Way
		}
	}
	w := *t.w
	if t.state == protocol.Running {
		w.Seconds += t.runningTime.Seconds() + t.now().Sub(t.startedAt).Seconds()
	}
	return w.Encode(c)
}

// Load makes the weights in data (a safetensors file, see ParseWeights)
// the current weights. It returns an error, keeping the current weights,
// if the file is not usable or a run is going.
func (t *Trainer) Load(data []byte) (*Weights, error) {
	if t.state == protocol.Running || t.state == protocol.Paused {
		return nil, errors.New("stop training before loading weights")
	}
	w, err := ParseWeights(data)
	if err != nil {
		return nil, err
	}
	if w.Algo == "" {
		w.Algo = "protonet"
		if w.Way > 0 {
			w.Algo = "fomaml"
		}
	}
	t.w = w
	t.l = nil
	return w, nil
}
