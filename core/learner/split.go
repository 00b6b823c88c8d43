package learner

import "metaglot/core/tensor"

// TaskSplitter is a Learner whose meta-step splits by task, so that other
// processes (the page's Web Workers, core/train's Split) can compute part
// of it.
//
// Each task's contribution to a step (FOMAML: the query-loss gradient at
// the adapted weights; Reptile: the adapted weights) depends only on the
// meta-parameters and the task, never on the other tasks of the
// meta-batch. Step is TaskParts over all the tasks followed by Combine.
// A split step computes the contributions of disjoint ranges of tasks in
// several places, each holding a copy of the same meta-parameters, and
// Combine sums them in task order exactly as Step does: the parameters
// after the step are bit-identical to an unsplit step's.
type TaskSplitter interface {
	Learner
	// NewPart returns zeroed memory for one task's contribution.
	NewPart() *tensor.Set
	// TaskParts computes the contribution of tasks[i], task first+i of a
	// meta-batch of batch tasks, into out[i] and its query metrics into
	// m[i], changing nothing else (the parameters stay as they are). The
	// meta-batch's size decides which networks compute (a lone task
	// spreads its convolutions over the learner's workers, tasks of a
	// larger meta-batch run one per worker), so that a task is computed
	// the same way wherever it is. It returns an error, naming the task by
	// its place in the meta-batch, if a task is malformed or a loss is NaN
	// or infinite.
	TaskParts(tasks []*Task, first, batch int, out []*tensor.Set, m []Metrics) error
	// Combine finishes a step from the contributions of all the tasks of
	// a meta-batch, in task order: it updates the parameters (and the
	// optimizer state) and returns the mean metrics. On error the
	// parameters and the optimizer state are unchanged.
	Combine(parts []*tensor.Set, m []Metrics) (Metrics, error)
}

// RunTasks calls fn(w, i) for each i in [0, n) as Run does, but on
// batch's choice of worker: for a meta-batch of one task the pool's
// single worker (whose network spreads its convolutions over all the
// workers), otherwise the one-goroutine workers, even when n is 1 (a
// range of one task taken out of a larger meta-batch is computed as the
// whole meta-batch computes it).
func (p *TaskPool) RunTasks(n, batch int, fn func(w *TaskWorker, i int) error) error {
	if batch == 1 || n != 1 {
		return p.Run(n, fn)
	}
	return fn(p.ws[0], 0)
}
