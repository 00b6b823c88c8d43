// Package workload defines metaglot's two benchmark workloads, shared by
// `go test -bench` and `metaglot bench` so that both time the same code:
//
//   - A, Embed: embed 100 images with Conv4 in inference mode
//     (1.96 GFLOP).
//   - B, ProtoStep: one Prototypical Networks training step on a 20-way
//     5-shot 5-query episode of 200 images: Conv4 forward with
//     batch-statistics BatchNorm, prototypes, distances, cross-entropy,
//     backward, and an Adam update (11.6 GFLOP).
//
// Images and parameters are random (seeded): the cost of a step does not
// depend on the pixels. After construction, Run allocates nothing.
package workload

import (
	"fmt"
	"math/rand/v2"

	"metaglot/core/nn"
	"metaglot/core/optim"
	"metaglot/core/protonet"
	"metaglot/core/tensor"
)

// Workload is one timed unit of work.
type Workload interface {
	// Name is "A" or "B".
	Name() string
	// Images is the number of images one Run processes.
	Images() int
	// Run does the work once.
	Run() error
}

// Names lists the workloads New knows, in order.
func Names() []string { return []string{"A", "B"} }

// New returns the workload called name ("A" or "B"), running on par (a
// *gemm.Pool, or nil for one worker), its data drawn from seed.
func New(name string, par nn.Parallel, seed uint64) (Workload, error) {
	switch name {
	case "A":
		return NewEmbed(par, seed), nil
	case "B":
		return NewProtoStep(par, seed), nil
	}
	return nil, fmt.Errorf("unknown workload %q (want A or B)", name)
}

func randImages(rng *rand.Rand, n int) *tensor.Tensor {
	x := tensor.New(n, 1, nn.ImageSize, nn.ImageSize)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	return x
}

// Embed is workload A: embed EmbedImages images in inference mode.
type Embed struct {
	m *nn.Conv4
	p *tensor.Set
	x *tensor.Tensor
}

// EmbedImages is the batch of workload A.
const EmbedImages = 100

// NewEmbed returns workload A on par with data drawn from seed.
func NewEmbed(par nn.Parallel, seed uint64) *Embed {
	rng := rand.New(rand.NewPCG(seed, 1))
	return &Embed{m: nn.NewConv4(par), p: nn.NewConv4Params(rng), x: randImages(rng, EmbedImages)}
}

// Name returns "A".
func (*Embed) Name() string { return "A" }

// Images returns EmbedImages.
func (*Embed) Images() int { return EmbedImages }

// Run embeds the images once.
func (w *Embed) Run() error {
	_, err := w.m.Embed(w.p, w.x)
	return err
}

// Episode shape of workload B.
const (
	Way   = 20
	Shot  = 5
	Query = 5
)

// ProtoStep is workload B: one ProtoNet training step with Adam.
type ProtoStep struct {
	m       *nn.Conv4
	p       *tensor.Set // all parameters
	grads   *tensor.Set // gradients of the trainable ones
	opt     *optim.Adam
	x       *tensor.Tensor
	dEmb    *tensor.Tensor
	scratch protonet.Scratch[float32]
	// Last holds the metrics of the last Run.
	Last protonet.Metrics
}

// NewProtoStep returns workload B on par with data drawn from seed.
func NewProtoStep(par nn.Parallel, seed uint64) *ProtoStep {
	rng := rand.New(rand.NewPCG(seed, 2))
	p := nn.NewConv4Params(rng)
	tr := nn.Trainable(p)
	n := Way * (Shot + Query)
	return &ProtoStep{
		m: nn.NewConv4(par), p: p, grads: tr.ZerosLike(),
		opt: optim.NewAdam(tr, optim.AdamConfig{LR: 1e-3}),
		x:   randImages(rng, n), dEmb: tensor.New(n, nn.EmbeddingDim),
	}
}

// Name returns "B".
func (*ProtoStep) Name() string { return "B" }

// Images returns Way·(Shot+Query).
func (*ProtoStep) Images() int { return Way * (Shot + Query) }

// Run does one training step: forward, loss, backward, Adam update.
func (w *ProtoStep) Run() error {
	emb, err := w.m.Forward(w.p, w.x, true)
	if err != nil {
		return err
	}
	if w.Last, err = protonet.Loss(&w.scratch, emb, Way, Shot, Query, w.dEmb); err != nil {
		return err
	}
	if err := w.m.Backward(w.p, w.dEmb, w.grads); err != nil {
		return err
	}
	return w.opt.Step(w.p, w.grads)
}
