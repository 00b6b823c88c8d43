package train

import (
	"fmt"

	"metaglot/core/learner"
	"metaglot/core/tensor"
)

// Shard computes the contributions of some tasks of a meta-step
// somewhere else: another goroutine (LocalShard) or the page's helper Web
// Workers (wasm/worker), each holding a learner of its own (ShardServer)
// to which the step's meta-parameters are sent.
type Shard interface {
	// Start begins computing tasks, tasks first… of a meta-batch of batch
	// tasks, at the meta-parameters params of a learner of cfg (l's
	// settings). It must not wait for the result: Wait does.
	Start(req ShardRequest) error
	// Wait waits for the result of the last Start and writes the tasks'
	// contributions into out and their metrics into m (one each per task
	// started).
	Wait(out []*tensor.Set, m []learner.Metrics) error
}

// Split is a Learner that spreads the tasks of each meta-step over
// itself and its shards: data-parallel training. The meta-batch is cut
// into contiguous ranges, as even as they can be, one per place
// (the first range stays here, the others go to the shards, which get the
// meta-parameters with them); every task's contribution is computed as an
// unsplit step computes it, and Combine sums them in task order. So a
// split step gives bit-identical parameters to an unsplit one, whatever
// the number of shards (TestSplitIsExact). A meta-batch of one task is
// not split.
//
// Only learners whose tasks are independent until combined
// (learner.TaskSplitter: FOMAML, Reptile) can be split. ProtoNet's step is
// one episode whose BatchNorm normalizes with the statistics of all its
// images, and the MANN runs its meta-batch as one batch of sequences in
// lockstep: Splittable says no for them.
type Split struct {
	learner.TaskSplitter
	cfg    ShardConfig
	shards []Shard
	parts  []*tensor.Set
	m      []learner.Metrics
}

// ShardConfig is what a shard needs to build the learner it computes
// with: the run's settings as JSON (modelfile.Config) — fixed for a run.
type ShardConfig = []byte

// splitAdapter is a Split of a learner that also adapts by a chosen
// number of steps (validation's accuracy before adaptation needs it).
type splitAdapter struct{ *Split }

func (s splitAdapter) AdaptSteps(t *learner.Task, steps int) (learner.Classifier, error) {
	return s.TaskSplitter.(learner.StepsAdapter).AdaptSteps(t, steps)
}

// Splittable reports whether l's meta-steps can be split over shards.
func Splittable(l learner.Learner) bool {
	_, ok := l.(learner.TaskSplitter)
	return ok
}

// NewSplit returns a learner that trains l (which must be Splittable)
// with its meta-steps spread over l and the shards; cfg is the run's
// settings as JSON (modelfile.Config), which the shards build their
// learners from. Everything but Step is l's own. With no shards it is l.
func NewSplit(l learner.Learner, cfg ShardConfig, shards []Shard) (learner.Learner, error) {
	ts, ok := l.(learner.TaskSplitter)
	if !ok {
		return nil, fmt.Errorf("train: this learner's steps cannot be split over workers")
	}
	if len(shards) == 0 {
		return l, nil
	}
	s := &Split{TaskSplitter: ts, cfg: cfg, shards: shards}
	if _, ok := l.(learner.StepsAdapter); ok {
		return splitAdapter{s}, nil
	}
	return s, nil
}

// Ranges returns the k contiguous ranges [lo, hi) a meta-batch of n tasks
// is cut into, as even as they can be (the first ones one task larger).
func Ranges(n, k int) [][2]int {
	out := make([][2]int, k)
	for j := range k {
		out[j] = [2]int{j * n / k, (j + 1) * n / k}
	}
	return out
}

// Step computes the tasks' contributions here and on the shards and
// combines them in task order (learner.TaskSplitter.Combine). On error the
// parameters are unchanged.
func (s *Split) Step(tasks []*learner.Task) (learner.Metrics, error) {
	n := len(tasks)
	k := min(len(s.shards)+1, n)
	if k <= 1 {
		return s.TaskSplitter.Step(tasks)
	}
	for len(s.parts) < n {
		s.parts = append(s.parts, s.NewPart())
		s.m = append(s.m, learner.Metrics{})
	}
	rs := Ranges(n, k)
	params := s.Params()
	started := make([]error, k)
	for j := 1; j < k; j++ {
		lo, hi := rs[j][0], rs[j][1]
		started[j] = s.shards[j-1].Start(ShardRequest{Config: s.cfg, Params: params, Tasks: tasks[lo:hi], First: lo, Batch: n})
	}
	lo, hi := rs[0][0], rs[0][1]
	err := s.TaskParts(tasks[lo:hi], lo, n, s.parts[lo:hi], s.m[lo:hi])
	for j := 1; j < k; j++ {
		lo, hi := rs[j][0], rs[j][1]
		werr := started[j]
		if werr == nil {
			werr = s.shards[j-1].Wait(s.parts[lo:hi], s.m[lo:hi])
		}
		if err == nil && werr != nil {
			err = fmt.Errorf("worker %d of %d (tasks %d to %d): %w", j+1, k, lo, hi-1, werr)
		}
	}
	if err != nil {
		return learner.Metrics{}, err
	}
	return s.Combine(s.parts[:n], s.m[:n])
}

// Shards returns the number of shards besides the learner itself.
func (s *Split) Shards() int { return len(s.shards) }
