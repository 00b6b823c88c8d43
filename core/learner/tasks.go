package learner

import (
	"fmt"

	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// TaskPool runs the per-task work of a meta-batch (FOMAML's and Reptile's
// inner loops) on several goroutines at once.
//
// # Why across tasks
//
// A few-shot task is a small batch (a 5-way 1-shot task with one query per
// class is ten images), and the convolutions of ten images leave little to
// share between workers: splitting each small convolution costs more in
// coordination than it saves. The tasks of a meta-batch, though, are
// independent until their gradients are averaged, so the pool gives each
// worker a whole task at a time, with its own network and fast weights,
// each running its convolutions on one goroutine.
//
// # Same result for any number of workers
//
// Each task is computed the same way whichever worker runs it (one
// goroutine, its own buffers), and the caller keeps one result per task and
// combines them in task order afterwards. Floating-point sums are then
// taken in the same order whatever the number of workers, so a training
// step gives bit-identical parameters with one thread or eight, and a
// training run can be resumed on another machine without changing its
// result. A meta-batch of one task gains nothing from the pool: it runs on
// the single-task network, whose convolutions use all the workers.
type TaskPool struct {
	par    nn.Parallel
	single *TaskWorker   // for a lone task: convolutions over par
	ws     []*TaskWorker // one per worker of par, convolutions on one goroutine
	errs   []error
}

// TaskWorker is the state one goroutine adapts tasks with: a HeadNet and
// fast weights (with their gradients) per number of classes.
type TaskWorker struct {
	Net     *HeadNet
	fast    map[int]*tensor.Set
	grads   map[int]*tensor.Set
	scratch *tensor.Set
}

func newTaskWorker(nt Net, par nn.Parallel, bn BN) *TaskWorker {
	return &TaskWorker{Net: nt.NewHeadNet(par, bn), fast: make(map[int]*tensor.Set), grads: make(map[int]*tensor.Set)}
}

// NewTaskPool returns a pool of Conv4 networks (Conv4.NewTaskPool).
func NewTaskPool(par nn.Parallel, bn BN) *TaskPool { return Conv4.NewTaskPool(par, bn) }

// NewTaskPool returns a pool with par's workers (nil means one), whose
// networks are nt's and adapt with the BatchNorm statistics bn.
func (nt Net) NewTaskPool(par nn.Parallel, bn BN) *TaskPool {
	if par == nil {
		par = nn.Serial{}
	}
	p := &TaskPool{par: par, single: newTaskWorker(nt, par, bn)}
	for range par.Threads() {
		p.ws = append(p.ws, newTaskWorker(nt, nil, bn))
	}
	return p
}

// SetInnerParams sets which parameters the inner steps of every worker's
// network change (HeadNet.SetInnerParams).
func (p *TaskPool) SetInnerParams(ip InnerParams) {
	p.single.Net.SetInnerParams(ip)
	for _, w := range p.ws {
		w.Net.SetInnerParams(ip)
	}
}

// Single returns the worker for one task on its own, whose network spreads
// its convolutions over all the pool's workers (Learner.Adapt uses it).
func (p *TaskPool) Single() *TaskWorker { return p.single }

// Run calls fn(w, i) for every task i in [0, n), spread over the pool's
// workers (each call gets a worker no other call is using at the time),
// and returns the error of the lowest i that failed, or nil. With n = 1 it
// calls fn(p.Single(), 0). fn must leave shared state alone but for its own
// task's slot of the caller's results.
func (p *TaskPool) Run(n int, fn func(w *TaskWorker, i int) error) error {
	if n == 1 {
		return fn(p.single, 0)
	}
	if cap(p.errs) < n {
		p.errs = make([]error, n)
	}
	errs := p.errs[:n]
	clear(errs)
	p.par.For(n, func(worker, lo, hi int) {
		w := p.ws[worker]
		for i := lo; i < hi; i++ {
			errs[i] = fn(w, i)
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Fast returns w's fast weights for a way-way task, set to meta
// (FastWeights the first time, ResetFast afterwards), and the working
// memory for their gradients.
func (w *TaskWorker) Fast(meta *tensor.Set, way int) (fast, grads *tensor.Set, err error) {
	fast = w.fast[way]
	if fast == nil {
		if fast, err = w.Net.net.FastWeights(meta, way); err != nil {
			return nil, nil, err
		}
		w.fast[way] = fast
		w.grads[way] = nn.Trainable(fast).ZerosLike()
	} else if err := ResetFast(fast, meta); err != nil {
		return nil, nil, err
	}
	return fast, w.grads[way], nil
}

// Scratch returns w's copy of meta, refreshed (for
// HeadNet.ProtoHeadBackward, which changes the running statistics of the
// weights it is given).
func (w *TaskWorker) Scratch(meta *tensor.Set) (*tensor.Set, error) {
	if w.scratch == nil {
		w.scratch = meta.Clone()
		return w.scratch, nil
	}
	return w.scratch, w.scratch.CopyFrom(meta)
}

// Adapt returns w's fast weights adapted to t's support set, and their
// gradient memory: set to meta, with the prototype head if protoHead,
// steps SGD steps of learning rate lr, finished (Adaptation) — FOMAML's
// and Reptile's inner loop. It returns an error if t is malformed or a
// loss is NaN or Inf.
func (w *TaskWorker) Adapt(meta *tensor.Set, t *Task, protoHead bool, steps int, lr float64) (fast, grads *tensor.Set, err error) {
	if err := t.Check(); err != nil {
		return nil, nil, err
	}
	if fast, grads, err = w.Fast(meta, t.Way); err != nil {
		return nil, nil, err
	}
	a, err := w.Net.BeginAdaptation(fast, grads, t.Support, t.SupportLabels, protoHead, float32(lr))
	if err != nil {
		return nil, nil, err
	}
	if err := a.Run(steps); err != nil {
		return nil, nil, err
	}
	return fast, grads, nil
}

// AdaptedClassifier adapts a copy of meta to t's support set on the
// pool's single worker (TaskWorker.Adapt, steps steps) and returns the
// classifier of the adapted weights, on par: FOMAML's and Reptile's
// Adapt. meta is not changed.
func (p *TaskPool) AdaptedClassifier(par nn.Parallel, meta *tensor.Set, t *Task, protoHead bool, steps int, lr float64) (*HeadClassifier, error) {
	if steps < 0 {
		return nil, fmt.Errorf("%d adaptation steps", steps)
	}
	fast, _, err := p.single.Adapt(meta, t, protoHead, steps, lr)
	if err != nil {
		return nil, err
	}
	return p.single.Net.net.NewHeadClassifier(par, fast.Clone())
}
