package trainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/tensor"
	"metaglot/core/train"
	"metaglot/wasm/trainer/protocol"
)

// Data-parallel training: a run may train in several Web Workers. This
// worker runs the loop (episodes, the optimizer step, validation,
// snapshots) and computes the first range of the tasks of each meta-step;
// helper workers compute the other ranges at the same meta-parameters
// (core/train's Split and ShardServer), and the contributions are
// combined in task order, so the weights are bit-identical to a run in
// one worker. The worker program gives the Trainer its helpers through
// Shards.

// oneWorker says, for the algorithms whose steps cannot be split, why
// they train in one worker.
var oneWorker = map[string]string{
	"protonet": "its step is one episode whose BatchNorm normalizes with the statistics of all the episode's images, which splitting the images between workers would change",
	"mann":     "its meta-batch runs as one batch of sequences in lockstep through the LSTM",
}

// SetWorkers sets how many Web Workers the following runs may train in
// (1: this one alone). It returns an error naming the setting if n is
// not in [1, protocol.MaxWorkers].
func (t *Trainer) SetWorkers(n int) error {
	if n < 1 || n > protocol.MaxWorkers {
		return &protocol.FieldError{Field: "workers", Msg: fmt.Sprintf("workers %d: want 1 to %d", n, protocol.MaxWorkers)}
	}
	t.workers = n
	return nil
}

// Workers returns the number of Web Workers the current or last run
// trains in.
func (t *Trainer) Workers() int { return max(t.used, 1) }

// split returns l spread over the workers the next run may use: the
// learner to train, the number of workers it uses, and a note for the
// page when it uses fewer than asked, or more than one.
func (t *Trainer) split(l learner.Learner, c modelfile.Config) (learner.Learner, int, string, error) {
	want := max(t.workers, 1)
	switch {
	case want == 1:
		return l, 1, "", nil
	case !train.Splittable(l):
		why := oneWorker[c.Algo]
		if why == "" {
			why = "its steps cannot be split between workers"
		}
		return l, 1, fmt.Sprintf("in one worker of the %d asked for: %s", want, why), nil
	case c.MetaBatch < 2:
		return l, 1, fmt.Sprintf("in one worker of the %d asked for: a meta-batch of one task cannot be split", want), nil
	case t.Shards == nil:
		return l, 1, fmt.Sprintf("in one worker of the %d asked for: this page has no helper workers", want), nil
	}
	k := min(want, c.MetaBatch)
	shards, err := t.Shards(k - 1)
	if err != nil {
		return l, 1, fmt.Sprintf("in one worker of the %d asked for: %v", want, err), nil
	}
	for i, sh := range shards {
		shards[i] = &fallbackShard{remote: sh, t: t, n: i + 2}
	}
	cj, err := json.Marshal(c)
	if err != nil {
		return nil, 0, "", err
	}
	sl, err := train.NewSplit(l, cj, shards)
	if err != nil {
		return nil, 0, "", err
	}
	note := fmt.Sprintf("in %d workers, each computing %s of the %d tasks of a meta-batch", k, share(c.MetaBatch, k), c.MetaBatch)
	if k < want {
		note += fmt.Sprintf(" (%d asked for)", want)
	}
	return sl, k, note, nil
}

// share says how many tasks of n each of k workers computes.
func share(n, k int) string {
	lo, hi := n/k, (n+k-1)/k
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d or %d", lo, hi)
}

// ErrHelperTimeout is the error of a helper worker that did not answer
// in time (HelperWait).
var ErrHelperTimeout = errors.New("no answer")

// HelperWait bounds how long a meta-step waits for a helper worker's part
// once this worker has computed its own: at least Min, and Factor times
// what this worker's part took, so that a large meta-batch or a slow
// machine is not cut short while a helper that hung (a browser that
// stopped scheduling it, a crash without an error event) stops the run
// for a bounded time only. The zero value means DefaultHelperWait.
type HelperWait struct {
	Min    time.Duration
	Factor float64
}

// DefaultHelperWait gives a helper 30 s, or 20 times this worker's part
// of a meta-step if that is longer: far beyond a helper that works (the
// parts are the same size, and a fresh helper first loads its
// WebAssembly in about a second), short enough that the visitor sees the
// run go on.
var DefaultHelperWait = HelperWait{Min: 30 * time.Second, Factor: 20}

// Limit returns how long to wait for a helper whose part of the step was
// started together with this worker's, which took local.
func (h HelperWait) Limit(local time.Duration) time.Duration {
	if h == (HelperWait{}) {
		h = DefaultHelperWait
	}
	return max(h.Min, time.Duration(h.Factor*float64(local)))
}

// TimedShard is a train.Shard on a helper worker that can be given up
// on: WaitFor is Wait that returns an error wrapping ErrHelperTimeout,
// without writing out, when d passes first; Close ends the helper (a
// helper given up on is never asked again).
type TimedShard interface {
	train.Shard
	WaitFor(out []*tensor.Set, m []learner.Metrics, d time.Duration) error
	Close()
}

// fallbackShard is a helper worker's shard that this worker takes over
// when the helper fails or does not answer in time (t.Wait): the helper's
// tasks of that meta-step and of every later one are computed here, by
// the very code the helper runs (train.ShardServer), so the weights stay
// bit-identical to a run in one worker and nothing trained is lost; the
// run goes on in one worker fewer, and the page is told why
// (Trainer.WorkerNote).
type fallbackShard struct {
	remote train.Shard
	t      *Trainer
	n      int // the worker's number in the page's messages (2, 3, …)

	req     train.ShardRequest
	started time.Time
	failed  error             // why the helper was given up; nil while it works
	local   train.ShardServer // computes the tasks here once failed
}

func (s *fallbackShard) Start(req train.ShardRequest) error {
	s.req, s.started = req, s.t.now()
	if s.failed == nil {
		if err := s.remote.Start(req); err != nil {
			s.giveUp(err)
		}
	}
	return nil
}

func (s *fallbackShard) Wait(out []*tensor.Set, m []learner.Metrics) error {
	if s.failed == nil {
		var err error
		if ts, ok := s.remote.(TimedShard); ok {
			limit := s.t.HelperWait.Limit(s.t.now().Sub(s.started))
			if err = ts.WaitFor(out, m, limit); errors.Is(err, ErrHelperTimeout) {
				err = fmt.Errorf("it did not answer within %s of this worker's part of a meta-step and may have hung", limit.Round(time.Second))
			}
		} else {
			err = s.remote.Wait(out, m)
		}
		if err == nil {
			return nil
		}
		s.giveUp(err)
	}
	b, err := s.req.Encode()
	if err != nil {
		return err
	}
	return train.DecodeShardResponse(s.local.Handle(b), out, m)
}

// giveUp stops using the helper: it is closed, the run's worker count
// drops by one, and the page gets a note saying what happened.
func (s *fallbackShard) giveUp(err error) {
	s.failed = err
	if ts, ok := s.remote.(TimedShard); ok {
		ts.Close()
	}
	t := s.t
	t.used = max(t.used-1, 1)
	t.workerNote = fmt.Sprintf("in %d %s from now on: helper worker %d was given up, %v; its tasks are computed in this worker instead, so nothing trained is lost",
		t.used, plural(t.used, "worker", "workers"), s.n, err)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// WorkerNote returns, once, what happened to a helper worker the current
// run gave up on since the last call ("" if nothing did): for the page to
// show while the run goes on.
func (t *Trainer) WorkerNote() string {
	n := t.workerNote
	t.workerNote = ""
	return n
}
