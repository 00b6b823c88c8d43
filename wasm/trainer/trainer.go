package trainer

import (
	"errors"
	"fmt"
	"time"

	"metaglot/core/algo"
	_ "metaglot/core/algo/all" // every algorithm registers itself
	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/omniglot"
	"metaglot/core/train"
	"metaglot/wasm/trainer/protocol"
)

// Trainer is a training session over a dataset: the current weights and,
// during a run, the core/train Run that trains them (the loop metaglot
// train drives too). It is not safe for concurrent use. The zero value is
// not usable: use New.
type Trainer struct {
	ds  *omniglot.Dataset
	now func() time.Time

	lim   protocol.Limits
	w     *Weights         // current weights; w.Params is trained in place
	cfg   modelfile.Config // the run's settings
	state protocol.State
	err   error  // why the run stopped (protocol.Diverged)
	note  string // what the run's start should say (a fresh head, say)
	done  int    // episodes of the run done

	run         *train.Run
	l           learner.Learner
	base        int // episodes of the starting weights
	last        *episode.Episode
	startedAt   time.Time
	runningTime time.Duration // of earlier stretches of the run

	view viewWork

	// Shards returns n shards on helper workers for a run that trains in
	// n+1 workers (workers.go); nil: this trainer has no helpers.
	Shards  func(n int) ([]train.Shard, error)
	workers int // the workers a run may use (SetWorkers; 0 means 1)
	used    int // the workers the current or last run uses
	// HelperWait bounds the wait for a helper worker (zero:
	// DefaultHelperWait); a helper that fails or does not answer in time
	// is given up and its tasks computed here (workers.go).
	HelperWait HelperWait
	workerNote string // what happened to a helper (WorkerNote)

	wrapData func(episode.Dataset) episode.Dataset // tests: the data set a run draws from
}

// New returns an idle Trainer over ds, whose alphabets of TrainSplit and
// TestSplit must be loaded before Start, holding initial as its current
// weights (nil: none yet). now is the clock for the wall time recorded in
// weight files (time.Now).
func New(ds *omniglot.Dataset, initial *Weights, now func() time.Time) (*Trainer, error) {
	t := &Trainer{ds: ds, now: now, state: protocol.Idle, w: initial}
	var err error
	if t.lim, err = LimitsOf(ds.Index()); err != nil {
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
func (t *Trainer) Config() modelfile.Config { return t.cfg }

// Done returns the episodes of the current or last run done so far.
func (t *Trainer) Done() int { return t.done }

// Current returns the current weights (nil if there are none yet); they
// change in place while a run trains.
func (t *Trainer) Current() *Weights { return t.w }

// Limits returns the class counts of the trainer's splits.
func (t *Trainer) Limits() protocol.Limits { return t.lim }

// Start begins a run of c (any settings metaglot train takes) from init:
// fresh weights (InitScratch or "": train.InitParams, as metaglot train
// draws them), bundled (a copy of the weights passed here, which the
// caller read from the build's model file), or the current ones
// (InitCurrent; bundled is ignored). Starting from weights keeps their
// Conv4 and, if it has c.Way classes, their head. It returns an error,
// changing nothing, if c is impossible (a *protocol.FieldError naming the
// setting), a run is going (pause or stop it first), or the starting
// weights do not fit c.
func (t *Trainer) Start(c modelfile.Config, init string, bundled *Weights) error {
	if t.state == protocol.Running || t.state == protocol.Paused {
		return errors.New("a run is going: stop it before starting another")
	}
	if err := checkConfig(c, init, t.Limits()); err != nil {
		return err
	}
	spec, _ := algo.Lookup(c.Algo)
	data, err := t.data(c)
	if err != nil {
		return err
	}
	params, err := train.InitParams(c)
	if err != nil {
		return err
	}
	var note string
	var from *Weights
	if init == protocol.InitBundled || init == protocol.InitCurrent {
		what := "bundled"
		from = bundled
		if init == protocol.InitCurrent {
			from, what = t.w, "current"
		}
		if from == nil {
			return &protocol.FieldError{Field: "init", Msg: "there are no " + what + " weights to start from: start from scratch"}
		}
		if note, err = from.copyInto(params, c); err != nil {
			return err
		}
		file := "current weights"
		if init == protocol.InitBundled {
			file = from.Algo + ".safetensors"
		}
		c.Init = from.provenance(file)
	}
	l, err := spec.New(c, params, nil) // the worker has one thread
	if err != nil {
		return err
	}
	l, used, why, err := t.split(l, c)
	if err != nil {
		return err
	}
	if why != "" {
		if note != "" {
			note += "; "
		}
		note += why
	}
	r, err := train.New(c, l, data, 0)
	if err != nil {
		return fieldError(err, c)
	}
	w := &Weights{Params: params, Algo: c.Algo, Config: &c, Net: c.Net}
	if spec.HasHead(c) {
		w.Way = c.Way
	}
	t.base = 0
	if from != nil {
		w.Seconds, t.base = from.Seconds, from.Episodes
		w.Episodes = from.Episodes
	}
	t.w, t.cfg, t.l, t.run, t.used = w, c, l, r, used
	t.state, t.err, t.note, t.done, t.last = protocol.Running, nil, note, 0, nil
	t.startedAt, t.runningTime = t.now(), 0
	t.view.params = nil // the user's drawings stay
	return nil
}

// data returns the splits of c's protocol, or an error if their images are
// not loaded yet.
func (t *Trainer) data(c modelfile.Config) (train.Data, error) {
	trName, teName, one := train.Splits(c.Split)
	d := train.Data{Dataset: t.ds, OneAlphabet: one}
	if t.wrapData != nil {
		d.Dataset = t.wrapData(t.ds)
	}
	var err error
	if d.Train, err = t.ds.Split(trName); err != nil {
		return d, &protocol.FieldError{Field: "split", Msg: err.Error()}
	}
	if miss := t.ds.Missing(d.Train); len(miss) > 0 {
		return d, fmt.Errorf("the training images are not loaded yet (%d alphabets missing)", len(miss))
	}
	if c.ValEvery > 0 {
		if d.Test, err = t.ds.Split(teName); err != nil {
			return d, &protocol.FieldError{Field: "split", Msg: err.Error()}
		}
		if miss := t.ds.Missing(d.Test); len(miss) > 0 {
			return d, fmt.Errorf("the held-out images are not loaded yet (%d alphabets missing)", len(miss))
		}
	}
	return d, nil
}

// checkConfig returns a *protocol.FieldError for the first setting of c
// that cannot start a run from init on splits with limits lim: the
// registry's rules (algo.Check), what the data allows, and where the
// run starts.
func checkConfig(c modelfile.Config, init string, lim protocol.Limits) error {
	if err := algo.Check(c); err != nil {
		return fieldError(err, c)
	}
	bad := func(field, format string, a ...any) error {
		return &protocol.FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	switch {
	case c.Way > lim.TrainClasses:
		return bad("way", "N = %d, but the training split has only %d classes", c.Way, lim.TrainClasses)
	case c.ValEvery > 0 && min(c.Way, 20) > lim.TestClasses:
		return bad("way", "N = %d, but the held-out split has only %d classes (set held-out every to 0 to skip it)", c.Way, lim.TestClasses)
	case init != "" && init != protocol.InitScratch && init != protocol.InitBundled && init != protocol.InitCurrent:
		return bad("init", "start %q: choose scratch, bundled or current", init)
	case c.BN == learner.RunningBN.String() && (init == "" || init == protocol.InitScratch):
		return bad("bn", "running statistics need a model to start from: meta-training keeps the running statistics it starts with, and fresh weights' are 0 and 1 (start from the bundled or current weights)")
	}
	return nil
}

// fieldError returns err as a *protocol.FieldError: an *algo.SettingError
// names its setting; other errors name none.
func fieldError(err error, c modelfile.Config) error {
	var se *algo.SettingError
	if errors.As(err, &se) {
		msg := se.Msg
		if s, ok := algo.SettingNamed(se.Name); ok {
			msg = s.Label + " " + s.Format(c) + ": " + se.Msg
		}
		return &protocol.FieldError{Field: se.Name, Msg: msg}
	}
	var de *train.DataError
	if errors.As(err, &de) {
		return &protocol.FieldError{Field: "way", Msg: err.Error()}
	}
	return err
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

// Step trains one meta-step (MetaBatch episodes) and returns its
// outcome and, when held-out accuracy was due (val_every), the
// measurement. A loss, gradient or weight that is NaN or infinite ends
// the run (Diverged, with the error kept in Err and returned) and restores
// the weights of the last good step. Step returns an error, doing nothing,
// if the trainer is not running.
func (t *Trainer) Step() (protocol.Step, *protocol.Eval, error) {
	if t.state != protocol.Running {
		return protocol.Step{}, nil, fmt.Errorf("cannot step: training is %s", t.state)
	}
	m, err := t.run.Step()
	var div *train.Diverged
	if errors.As(err, &div) {
		t.err = fmt.Errorf("training stopped at episode %d: %w; the weights of episode %d are kept", t.done+t.cfg.MetaBatch, div.Err, t.done)
		t.end(protocol.Diverged)
		return protocol.Step{Episode: t.done, Loss: m.Loss, Acc: m.Acc}, nil, t.err
	}
	t.done = t.run.Episode()
	t.w.Episodes = t.base + t.done
	t.last = t.run.LastEpisode()
	var ev *protocol.Eval
	if m.Val != nil {
		ev = &protocol.Eval{Episode: t.done, Acc: m.Val.Acc, CI95: m.Val.CI95, Tasks: m.Val.Episodes, Before: m.Val.Before}
	}
	if t.run.Finished() {
		t.end(protocol.Finished)
	}
	if err != nil { // validation failed: the step itself is done
		return protocol.Step{Episode: t.done, Loss: m.Loss, Acc: m.Acc}, nil, err
	}
	return protocol.Step{Episode: t.done, Loss: m.Loss, Acc: m.Acc}, ev, nil
}

// Evaluate returns the held-out accuracy of the current weights now (the
// same episodes at every call of a run, so successive figures compare the
// weights, not the luck of the draw): core/train's validation. It returns
// an error if there is no run or it measures no held-out accuracy
// (val_every 0).
func (t *Trainer) Evaluate() (*protocol.Eval, error) {
	if t.run == nil {
		return nil, errors.New("no run to evaluate")
	}
	v, err := t.run.Validate()
	if err != nil {
		return nil, err
	}
	return &protocol.Eval{Episode: t.done, Acc: v.Acc, CI95: v.CI95, Tasks: v.Episodes, Before: v.Before}, nil
}

// Weights returns the current weights as a metaglot model file.
func (t *Trainer) Weights() ([]byte, error) {
	if t.w == nil {
		return nil, errors.New("no weights yet: train or load some first")
	}
	w := *t.w
	if t.state == protocol.Running {
		w.Seconds += t.runningTime.Seconds() + t.now().Sub(t.startedAt).Seconds()
	}
	return w.Encode()
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
	if w.Algo == "" { // a file that does not say: the first algorithm that fits
		for _, s := range algo.All() {
			if s.Caps.LearnedHead == (w.Way > 0) {
				w.Algo = s.Name
				break
			}
		}
	}
	t.w = w
	t.l, t.run = nil, nil
	return w, nil
}
