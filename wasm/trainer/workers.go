package trainer

import (
	"encoding/json"
	"fmt"

	"metaglot/core/learner"
	"metaglot/core/modelfile"
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
