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

	// AdaptInBatches' working memory, kept between tasks.
	order  []int
	batchX *tensor.Tensor
	batchY []int
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
	a, err := w.begin(meta, t, protoHead, lr)
	if err != nil {
		return nil, nil, err
	}
	if err := a.Run(steps); err != nil {
		return nil, nil, err
	}
	return a.Fast, a.Grads, nil
}

// begin checks t and starts an Adaptation of w's fast weights for it, set
// to meta (with the prototype head if protoHead).
func (w *TaskWorker) begin(meta *tensor.Set, t *Task, protoHead bool, lr float64) (*Adaptation, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	fast, grads, err := w.Fast(meta, t.Way)
	if err != nil {
		return nil, err
	}
	return w.Net.BeginAdaptation(fast, grads, t.Support, t.SupportLabels, protoHead, float32(lr))
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

// AdaptInBatches is Adapt with each of the steps SGD steps on batch
// support images instead of all of them: Reptile's inner loop as Nichol et
// al. run it (5 steps on minibatches of 10 of a task's 50 images), which
// costs a step a fifth of a full-batch one. The images are taken in turn
// from the support set interleaved by class (the first image of every
// class, then the second of every class, …), wrapping around, so a batch
// that is a multiple of the way holds as many images of every class and
// steps×batch images see every image as evenly as they can. (Nichol et
// al. shuffle the images instead; the interleave needs no random numbers,
// so a task adapts the same on any worker.) With BatchNorm's batch
// statistics a step normalises with its batch's. Finish, and so the
// adapted weights' statistics for queries, still takes the whole support
// set. A batch of 0, or of at least the support set, is Adapt.
func (w *TaskWorker) AdaptInBatches(meta *tensor.Set, t *Task, protoHead bool, steps int, lr float64, batch int) (fast, grads *tensor.Set, err error) {
	n := len(t.SupportLabels)
	if batch <= 0 || batch >= n {
		return w.Adapt(meta, t, protoHead, steps, lr)
	}
	a, err := w.begin(meta, t, protoHead, lr)
	if err != nil {
		return nil, nil, err
	}
	fast, grads = a.Fast, a.Grads
	w.order = interleave(w.order[:0], t.SupportLabels, t.Way)
	shape := t.Support.Shape
	size := len(t.Support.Data) / n
	if w.batchX == nil || cap(w.batchX.Data) < batch*size {
		w.batchX = tensor.New(batch, shape[1], shape[2], shape[3])
	}
	w.batchX.Shape = append(w.batchX.Shape[:0], batch, shape[1], shape[2], shape[3])
	w.batchX.Data = w.batchX.Data[:batch*size]
	if cap(w.batchY) < batch {
		w.batchY = make([]int, batch)
	}
	w.batchY = w.batchY[:batch]
	for s := range steps {
		for j := range batch {
			i := w.order[(s*batch+j)%n]
			copy(w.batchX.Data[j*size:(j+1)*size], t.Support.Data[i*size:(i+1)*size])
			w.batchY[j] = t.SupportLabels[i]
		}
		loss, err := w.Net.InnerStep(fast, grads, w.batchX, w.batchY, a.LR)
		if err != nil {
			return nil, nil, fmt.Errorf("inner step %d: %w", s, err)
		}
		a.Losses = append(a.Losses, loss)
	}
	if err := a.Finish(); err != nil {
		return nil, nil, err
	}
	return fast, grads, nil
}

// interleave appends to dst the indices of labels (classes in [0, way))
// ordered by their rank within their class, then by class: the first
// image of class 0, of class 1, …, then the second of each, and so on.
func interleave(dst []int, labels []int, way int) []int {
	for rank := 0; ; rank++ {
		found := false
		for k := range way {
			seen := 0
			for i, y := range labels {
				if y != k {
					continue
				}
				if seen == rank {
					dst = append(dst, i)
					found = true
					break
				}
				seen++
			}
		}
		if !found {
			return dst
		}
	}
}

// InnerLoop is the setup FOMAML and Reptile share: the network their inner
// loops adapt, how its head starts, its BatchNorm statistics, which of its
// parameters the inner steps change and the workers a meta-batch's tasks
// run on.
type InnerLoop struct {
	Net         string      // the backbone (NetNamed): "" or "conv4", "conv4s2"
	ProtoHead   bool        // each task's head from the support prototypes (MetaParams)
	BN          BN          // BatchNorm statistics of adaptation and prediction
	InnerParams InnerParams // what the inner steps change
	Par         nn.Parallel // the pool's workers; nil means one
}

// Setup checks the setup and returns the meta-parameters θ of params
// (Net.MetaParams: with ProtoHead, the backbone alone), their trainable
// tensors (θ without the BatchNorm buffers, sharing its memory) and a
// TaskPool of the network with the setup's BatchNorm and inner
// parameters.
func (c InnerLoop) Setup(params *tensor.Set) (meta, trainable *tensor.Set, pool *TaskPool, err error) {
	if c.InnerParams != AllParams && c.InnerParams != NoBNParams {
		return nil, nil, nil, fmt.Errorf("unknown inner-loop parameters %v", c.InnerParams)
	}
	if !c.BN.Valid() {
		return nil, nil, nil, fmt.Errorf("unknown BatchNorm statistics %v", c.BN)
	}
	net, err := NetNamed(c.Net)
	if err != nil {
		return nil, nil, nil, err
	}
	if meta, err = net.MetaParams(params, c.ProtoHead); err != nil {
		return nil, nil, nil, err
	}
	pool = net.NewTaskPool(c.Par, c.BN)
	pool.SetInnerParams(c.InnerParams)
	return meta, nn.Trainable(meta), pool, nil
}
