package learner

import (
	"fmt"

	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Adaptation is an inner loop in progress — the one of FOMAML (Finn et
// al. 2017) and Reptile (Nichol et al. 2018), in training and at test
// time, and of the page's step-by-step fine-tuning (wasm/classify): fast
// weights that start as a copy of the meta-parameters (with the prototype
// head built from the support set when asked), take plain
// gradient-descent steps of learning rate LR on the mean cross-entropy of
// the support images X (labels in [0, way)), one Step at a time, each on
// the whole support set, and end with Finish, after which they classify
// queries one at a time with the BatchNorm statistics the support was
// adapted under.
//
// Fast is an explicit copy of the meta-parameters, so the
// meta-parameters are never touched: MAML's "fast weights". Grads is
// working memory holding nn.Trainable(Fast)'s names and shapes.
type Adaptation struct {
	Net         *HeadNet
	Fast, Grads *tensor.Set
	X           *tensor.Tensor
	Labels      []int
	LR          float32
	// Losses are the support losses before each step taken (the first
	// is the meta-learned weights' loss).
	Losses []float64
}

// BeginAdaptation starts an adaptation of fast (set to the
// meta-parameters: FastWeights, or TaskWorker.Fast) to the support images
// x with labels, building the prototype head first if protoHead. grads is
// fast's gradient memory. It returns an error if the prototype head
// cannot be built from x.
func (n *HeadNet) BeginAdaptation(fast, grads *tensor.Set, x *tensor.Tensor, labels []int, protoHead bool, lr float32) (*Adaptation, error) {
	if protoHead {
		if err := n.ProtoHead(fast, x, labels); err != nil {
			return nil, err
		}
	}
	return &Adaptation{Net: n, Fast: fast, Grads: grads, X: x, Labels: labels, LR: lr}, nil
}

// NewAdaptation is BeginAdaptation on new fast weights for a way-way task
// copied from meta (FastWeights) and new gradient memory.
func (n *HeadNet) NewAdaptation(meta *tensor.Set, x *tensor.Tensor, labels []int, way int, protoHead bool, lr float32) (*Adaptation, error) {
	fast, err := n.net.FastWeights(meta, way)
	if err != nil {
		return nil, err
	}
	return n.BeginAdaptation(fast, nn.Trainable(fast).ZerosLike(), x, labels, protoHead, lr)
}

// Step takes one inner step (InnerStep) and returns the support loss
// before it, or an error if the loss is NaN or Inf.
func (a *Adaptation) Step() (float64, error) {
	loss, err := a.Net.InnerStep(a.Fast, a.Grads, a.X, a.Labels, a.LR)
	if err != nil {
		return 0, fmt.Errorf("inner step %d: %w", len(a.Losses), err)
	}
	a.Losses = append(a.Losses, loss)
	return loss, nil
}

// Finish ends the adaptation (FinishAdapt): Fast then classifies queries.
func (a *Adaptation) Finish() error { return a.Net.FinishAdapt(a.Fast, a.X) }

// Run takes steps steps and finishes.
func (a *Adaptation) Run(steps int) error {
	for range steps {
		if _, err := a.Step(); err != nil {
			return err
		}
	}
	return a.Finish()
}

// FineTune adapts the fast weights fast (a HeadNet parameter set, set to
// the meta-parameters) to a support set: an Adaptation of steps steps
// without the prototype head. It returns the support loss before the
// first step (0 if steps is 0), or an error if a loss is NaN or Inf.
func (n *HeadNet) FineTune(fast, grads *tensor.Set, x *tensor.Tensor, labels []int, steps int, lr float32) (float64, error) {
	a, err := n.BeginAdaptation(fast, grads, x, labels, false, lr)
	if err != nil {
		return 0, err
	}
	if err := a.Run(steps); err != nil {
		return 0, err
	}
	if len(a.Losses) == 0 {
		return 0, nil
	}
	return a.Losses[0], nil
}

// InnerStep takes one gradient-descent step of learning rate lr on the
// support loss of fast (FineTune's inner step) and returns the loss before
// it. BatchNorm normalizes the support with its batch statistics (SupportBN)
// or with fast's running statistics (RunningBN). The step changes the
// parameters SetInnerParams chose (all of them unless set).
func (n *HeadNet) InnerStep(fast, grads *tensor.Set, x *tensor.Tensor, labels []int, lr float32) (float64, error) {
	loss, _, err := n.Loss(fast, x, labels, n.adaptTrain(), grads)
	if err != nil {
		return 0, err
	}
	if n.inner == AllParams {
		SGDStep(fast, grads, lr)
		return loss, nil
	}
	for i := range grads.Len() {
		name, g := grads.At(i)
		if !n.inner.Adapts(name) {
			continue
		}
		w := fast.Get(name)
		if w == nil || len(w.Data) != len(g.Data) {
			panic(fmt.Sprintf("learner: SGD step on %q with mismatched parameters", name))
		}
		for j, v := range g.Data {
			w.Data[j] -= lr * v
		}
	}
	return loss, nil
}

// FinishAdapt ends an adaptation of fast to the support images x: with
// SupportBN it stores the support's batch statistics under fast in fast's
// running statistics (SupportStats); with RunningBN there is nothing to do.
// Afterwards BatchNorm in inference mode classifies queries as the support
// was adapted.
func (n *HeadNet) FinishAdapt(fast *tensor.Set, x *tensor.Tensor) error {
	if n.bn == RunningBN {
		return nil
	}
	return n.SupportStats(fast, x)
}

// HeadClassifier classifies with a HeadNet under adapted weights (see
// FineTune), BatchNorm in inference mode. It implements Classifier.
type HeadClassifier struct {
	net    *HeadNet
	params *tensor.Set
	way    int
	batch  *tensor.Set // a copy of params for TransductiveProbs
}

// NewHeadClassifier returns a classifier on Conv4
// (Conv4.NewHeadClassifier).
func NewHeadClassifier(par nn.Parallel, params *tensor.Set) (*HeadClassifier, error) {
	return Conv4.NewHeadClassifier(par, params)
}

// NewHeadClassifier returns a classifier on the network nt that uses
// params (not copied).
func (nt Net) NewHeadClassifier(par nn.Parallel, params *tensor.Set) (*HeadClassifier, error) {
	way, err := nt.HeadWay(params)
	if err != nil {
		return nil, err
	}
	return &HeadClassifier{net: nt.NewHeadNet(par, SupportBN), params: params, way: way}, nil
}

// Way returns the number of classes.
func (c *HeadClassifier) Way() int { return c.way }

// Probs returns the M×way softmax of the logits of x (M×1×28×28) with
// BatchNorm in inference mode: row i depends only on image i.
func (c *HeadClassifier) Probs(x *tensor.Tensor) (*tensor.Tensor, error) {
	logits, err := c.net.Logits(c.params, x, false)
	if err != nil {
		return nil, err
	}
	p := logits.Clone()
	Softmax(p.Data, p.Data, p.Shape[0], p.Shape[1])
	return p, nil
}

// TransductiveProbs returns the M×way softmax of the logits of the M
// images x with BatchNorm in training mode: every layer normalizes with the
// batch statistics of x itself, so row i depends on all of x. This is the
// protocol behind the MAML and Reptile papers' Omniglot figures (their code
// runs the query batch through BatchNorm in training mode); metaglot's
// page, which classifies one drawing at a time, cannot use it (Probs). The
// classifier's weights are not changed.
func (c *HeadClassifier) TransductiveProbs(x *tensor.Tensor) (*tensor.Tensor, error) {
	if c.batch == nil {
		c.batch = c.params.Clone()
	} else if err := c.batch.CopyFrom(c.params); err != nil {
		return nil, err
	}
	logits, err := c.net.Logits(c.batch, x, true)
	if err != nil {
		return nil, err
	}
	p := logits.Clone()
	Softmax(p.Data, p.Data, p.Shape[0], p.Shape[1])
	return p, nil
}

// FastWeights returns fast weights for Conv4 (Conv4.FastWeights).
func FastWeights(meta *tensor.Set, way int) (*tensor.Set, error) { return Conv4.FastWeights(meta, way) }

// FastWeights returns a new parameter set for adapting the network nt to
// a way-way task: copies of meta's backbone tensors and, if meta has a
// head with way rows, of its head; otherwise a zero head of way rows on
// nt.Dim inputs (to be set by ProtoHead). It returns an error if meta has
// a head with another number of rows (a meta-learned head fixes the
// number of classes) or a head that is not one of nt's (another width:
// the head of another network).
func (nt Net) FastWeights(meta *tensor.Set, way int) (*tensor.Set, error) {
	fast := &tensor.Set{}
	for i := range meta.Len() {
		n, t := meta.At(i)
		if n != HeadName+".weight" && n != HeadName+".bias" {
			fast.Add(n, t.Clone())
		}
	}
	if meta.Has(HeadName+".weight") || meta.Has(HeadName+".bias") {
		hw, err := nt.HeadWay(meta)
		if err != nil {
			return nil, err
		}
		if hw != way {
			return nil, fmt.Errorf("the model's head has %d classes, the task %d (train a %d-way model, or use the prototype head)", hw, way, way)
		}
		fast.Add(HeadName+".weight", meta.Get(HeadName+".weight").Clone())
		fast.Add(HeadName+".bias", meta.Get(HeadName+".bias").Clone())
		return fast, nil
	}
	fast.Add(HeadName+".weight", tensor.New(way, nt.Dim))
	fast.Add(HeadName+".bias", tensor.New(way))
	return fast, nil
}

// ResetFast copies every tensor of meta into the tensor of the same name in
// fast (made by FastWeights), leaving fast's other tensors (a prototype
// head) alone. It returns an error if fast lacks a name of meta or has it
// with another shape.
func ResetFast(fast, meta *tensor.Set) error {
	if err := fast.Covers(meta); err != nil {
		return fmt.Errorf("fast weights: %w", err)
	}
	for i := range meta.Len() {
		n, t := meta.At(i)
		copy(fast.Get(n).Data, t.Data)
	}
	return nil
}
