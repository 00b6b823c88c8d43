package protonet

import (
	"fmt"
	"math/rand/v2"

	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/optim"
	"metaglot/core/tensor"
)

// Config configures a Learner. The zero value means the reference
// training of Snell et al.: Adam with learning rate 1e-3 (halving it every
// 2000 episodes is the training loop's business, through SetLR).
type Config struct {
	LR float64 // Adam learning rate; 0 means 1e-3
	// Net names the embedding network (learner.NetNamed): "" or "conv4"
	// Snell et al.'s max-pooling Conv4 (64-d), "conv4s2" the stride-2
	// network without pooling (256-d).
	Net string
	Par nn.Parallel // workers for the convolutions; nil means one goroutine
}

// Learner trains an embedding network (Config.Net: Conv4 or Conv4S2) with
// the Prototypical Networks loss and classifies by the nearest prototype.
// It implements learner.Learner.
//
// In training, each episode's support and queries go through the network
// in one
// batch with BatchNorm in training mode, as in the reference code; the
// running statistics gathered there are what Adapt and the classifier use
// (BatchNorm in inference mode), so each query is embedded on its own.
type Learner struct {
	params    *tensor.Set // backbone parameters and running statistics
	trainable *tensor.Set // params without the buffers (shared tensors)
	grads     *tensor.Set // gradient of the current task
	sum       *tensor.Set // gradient summed over a meta-batch
	adam      *optim.Adam
	net       learner.Net
	conv      learner.Backbone
	scratch   Scratch[float32]
	x, demb   tensor.Tensor
	par       nn.Parallel
}

// New returns a Learner that trains params (Conv4 parameters, as
// nn.NewConv4Params makes or a checkpoint holds; every Net takes them) in
// place. It returns an error if params is not a Conv4 parameter set or
// cfg.Net names no network.
func New(params *tensor.Set, cfg Config) (*Learner, error) {
	if params == nil {
		return nil, fmt.Errorf("protonet: nil parameters")
	}
	net, err := learner.NetNamed(cfg.Net)
	if err != nil {
		return nil, fmt.Errorf("protonet: %w", err)
	}
	// The template only supplies names and shapes; its values are unused.
	if err := params.Match(nn.NewConv4Params(rand.New(rand.NewPCG(0, 0)))); err != nil {
		return nil, fmt.Errorf("protonet: parameters are not a Conv4: %w", err)
	}
	lr := cfg.LR
	if lr == 0 {
		lr = 1e-3
	}
	tr := nn.Trainable(params)
	return &Learner{
		params:    params,
		trainable: tr,
		grads:     tr.ZerosLike(),
		sum:       tr.ZerosLike(),
		adam:      optim.NewAdam(tr, optim.AdamConfig{LR: float32(lr)}),
		net:       net,
		conv:      net.New(cfg.Par),
		par:       cfg.Par,
	}, nil
}

// Params returns the backbone parameters, updated in place by Step.
func (l *Learner) Params() *tensor.Set { return l.params }

// OptimState returns a copy of the Adam state.
func (l *Learner) OptimState() *tensor.Set { return l.adam.State() }

// LoadOptimState restores an Adam state returned by OptimState.
func (l *Learner) LoadOptimState(s *tensor.Set) error { return l.adam.LoadState(s) }

// SetLR sets Adam's learning rate.
func (l *Learner) SetLR(lr float64) { l.adam.SetLR(float32(lr)) }

// Step takes one Adam step on the mean Prototypical Networks loss of the
// tasks. Each task must be in the episode order Loss expects: class-major
// support (the same number of shots per class), then class-major queries.
// On error the parameters, running statistics included, and the Adam state
// are unchanged.
func (l *Learner) Step(tasks []*learner.Task) (learner.Metrics, error) {
	if len(tasks) == 0 {
		return learner.Metrics{}, fmt.Errorf("protonet: step on no tasks")
	}
	saved := buffers(l.params)
	restore := func() {
		for n, v := range saved {
			copy(l.params.Get(n).Data, v)
		}
	}
	l.sum.Zero()
	var m learner.Metrics
	for i, t := range tasks {
		tm, err := l.taskGrad(t)
		if err != nil {
			restore()
			return learner.Metrics{}, fmt.Errorf("task %d: %w", i, err)
		}
		m.Loss += tm.Loss / float64(len(tasks))
		m.Acc += tm.Acc / float64(len(tasks))
		for j := range l.sum.Len() {
			_, s := l.sum.At(j)
			_, g := l.grads.At(j)
			for k, v := range g.Data {
				s.Data[k] += v / float32(len(tasks))
			}
		}
	}
	if err := l.adam.Step(l.trainable, l.sum); err != nil {
		restore()
		return learner.Metrics{}, fmt.Errorf("protonet: %w", err)
	}
	return m, nil
}

// taskGrad writes the gradient of t's loss into l.grads.
func (l *Learner) taskGrad(t *learner.Task) (learner.Metrics, error) {
	shot, query, err := episodeShape(t)
	if err != nil {
		return learner.Metrics{}, err
	}
	ns, nq := t.Support.Shape[0], t.Query.Shape[0]
	n := ns + nq
	// Support and queries in one batch, of the task's image shape (which
	// the backbone's Forward checks).
	c, h, w := t.Support.Shape[1], t.Support.Shape[2], t.Support.Shape[3]
	px := c * h * w
	l.x.Data = grow(l.x.Data, n*px)
	l.x.Shape = append(l.x.Shape[:0], n, c, h, w)
	copy(l.x.Data, t.Support.Data)
	copy(l.x.Data[ns*px:], t.Query.Data)
	emb, err := l.conv.Forward(l.params, &l.x, true)
	if err != nil {
		return learner.Metrics{}, err
	}
	l.demb.Data = grow(l.demb.Data, n*l.net.Dim)
	l.demb.Shape = append(l.demb.Shape[:0], n, l.net.Dim)
	m, err := Loss(&l.scratch, emb, t.Way, shot, query, &l.demb)
	if err != nil {
		return learner.Metrics{}, err
	}
	if err := l.conv.Backward(l.params, &l.demb, l.grads); err != nil {
		return learner.Metrics{}, err
	}
	return learner.Metrics{Loss: m.Loss, Acc: m.Acc}, nil
}

// episodeShape returns the shots and queries per class of t, or an error if
// t is not a class-major episode with equal counts per class.
func episodeShape(t *learner.Task) (shot, query int, err error) {
	if err := t.Check(); err != nil {
		return 0, 0, err
	}
	if t.Query == nil {
		return 0, 0, fmt.Errorf("protonet: training task has no queries")
	}
	ns, nq := t.Support.Shape[0], t.Query.Shape[0]
	if ns%t.Way != 0 || nq%t.Way != 0 {
		return 0, 0, fmt.Errorf("protonet: %d support and %d query images do not divide among %d classes", ns, nq, t.Way)
	}
	shot, query = ns/t.Way, nq/t.Way
	for i, y := range t.SupportLabels {
		if y != i/shot {
			return 0, 0, fmt.Errorf("protonet: support is not class-major (image %d has label %d, want %d)", i, y, i/shot)
		}
	}
	for i, y := range t.QueryLabels {
		if y != i/query {
			return 0, 0, fmt.Errorf("protonet: queries are not class-major (image %d has label %d, want %d)", i, y, i/query)
		}
	}
	return shot, query, nil
}

// Adapt embeds the support set of t with BatchNorm in inference mode and
// returns the nearest-prototype classifier of its classes. Classes may
// have different numbers of support images. The classifier uses the
// learner's parameters: it is valid until the next Step.
func (l *Learner) Adapt(t *learner.Task) (learner.Classifier, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	conv := l.net.New(l.par)
	emb, err := conv.Forward(l.params, t.Support, false)
	if err != nil {
		return nil, err
	}
	d := l.net.Dim
	protos := tensor.New(t.Way, d)
	if _, err := learner.Prototypes(protos.Data, emb.Data, t.SupportLabels, t.Way, d); err != nil {
		return nil, err
	}
	return &Classifier{params: l.params, conv: conv, protos: protos}, nil
}

// Classifier assigns an image to the class of its nearest prototype, with
// probabilities softmax(−‖f(x) − c_k‖²). It implements learner.Classifier.
type Classifier struct {
	params *tensor.Set
	conv   learner.Backbone
	protos *tensor.Tensor // way×Dim of the backbone
}

// Way returns the number of classes.
func (c *Classifier) Way() int { return c.protos.Shape[0] }

// Prototypes returns the way×Dim class prototypes (owned by c): 64 values
// each on Conv4, 256 on Conv4S2.
func (c *Classifier) Prototypes() *tensor.Tensor { return c.protos }

// Probs returns the M×way class probabilities of the images x
// (M×1×28×28). Each image is embedded with BatchNorm in inference mode, so
// its row does not depend on the other images.
func (c *Classifier) Probs(x *tensor.Tensor) (*tensor.Tensor, error) {
	emb, err := c.conv.Forward(c.params, x, false)
	if err != nil {
		return nil, err
	}
	m, way := emb.Shape[0], c.Way()
	p := tensor.New(m, way)
	nn.SqDistances(p.Data, emb.Data, c.protos.Data, m, way, c.protos.Shape[1])
	for i := range p.Data {
		p.Data[i] = -p.Data[i]
	}
	learner.Softmax(p.Data, p.Data, m, way)
	return p, nil
}

// buffers returns copies of the BatchNorm running statistics of p.
func buffers(p *tensor.Set) map[string][]float32 {
	b := make(map[string][]float32)
	for i := range p.Len() {
		n, t := p.At(i)
		if nn.IsBuffer(n) {
			b[n] = append([]float32(nil), t.Data...)
		}
	}
	return b
}
