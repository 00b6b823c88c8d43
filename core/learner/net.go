package learner

import (
	"fmt"
	"math/rand/v2"

	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// HeadName is the name of the linear classifier head on top of the
// backbone: parameters "head.weight" (Way×Dim: 64 on Conv4, 256 on
// Conv4S2) and "head.bias" (Way).
const HeadName = "head"

// NewHeadNetParams returns fresh parameters for Conv4 followed by a way-way
// linear head (Conv4.NewHeadNetParams).
func NewHeadNetParams(rng *rand.Rand, way int) *tensor.Set { return Conv4.NewHeadNetParams(rng, way) }

// NewHeadNetParams returns fresh parameters for the network nt followed by
// a way-way linear head on its nt.Dim-d embeddings, initialised as PyTorch
// would (see nn.NewConv4Params, which serves every Net, and
// nn.Linear.NewParams), drawn from rng.
func (nt Net) NewHeadNetParams(rng *rand.Rand, way int) *tensor.Set {
	p := nn.NewConv4Params(rng)
	h := nn.Linear{Name: HeadName, In: nt.Dim, Out: way}.NewParams(rng)
	for i := range h.Len() {
		n, t := h.At(i)
		p.Add(n, t)
	}
	return p
}

// HeadWay returns the number of classes of the Conv4 head in p
// (Conv4.HeadWay).
func HeadWay(p *tensor.Set) (int, error) { return Conv4.HeadWay(p) }

// HeadWay returns the number of classes of the head in p on nt's
// embeddings, or an error if p has no well-formed head of nt.Dim inputs.
func (nt Net) HeadWay(p *tensor.Set) (int, error) {
	w, b := p.Get(HeadName+".weight"), p.Get(HeadName+".bias")
	if w == nil || b == nil {
		return 0, fmt.Errorf("parameters have no linear head %q", HeadName)
	}
	if len(w.Shape) != 2 || w.Shape[1] != nt.Dim || len(b.Shape) != 1 || b.Shape[0] != w.Shape[0] || w.Shape[0] < 1 {
		return 0, fmt.Errorf("head has shapes %v and %v, want [way %d] and [way] (%s)", tensor.ShapeString(w.Shape), tensor.ShapeString(b.Shape), nt.Dim, nt.Name)
	}
	return w.Shape[0], nil
}

// HeadNet is a backbone (Net: Conv4 or Conv4S2) followed by a linear head:
// the network that first-order MAML and Reptile adapt. Its parameters (a
// Set as Net.NewHeadNetParams makes) are passed to every call, so the same
// HeadNet serves the meta-parameters and any number of fast-weight copies.
// It owns working buffers and is not safe for concurrent use.
type HeadNet struct {
	bn              BN
	inner           InnerParams // what InnerStep changes (SetInnerParams)
	net             Net
	conv            Backbone
	emb             *tensor.Tensor // embeddings of the last Forward (owned by conv)
	logits, dlogits tensor.Tensor
	demb            tensor.Tensor
	protoGrads      *tensor.Set // backbone gradients of ProtoHeadBackward
}

// NewHeadNet returns a HeadNet on Conv4 (Conv4.NewHeadNet).
func NewHeadNet(par nn.Parallel, bn BN) *HeadNet { return Conv4.NewHeadNet(par, bn) }

// NewHeadNet returns a HeadNet on the network nt that adapts with the
// BatchNorm statistics bn and spreads its convolutions over par (nil means
// one goroutine).
func (nt Net) NewHeadNet(par nn.Parallel, bn BN) *HeadNet {
	return &HeadNet{bn: bn, net: nt, conv: nt.New(par)}
}

// Net returns the backbone n runs.
func (n *HeadNet) Net() Net { return n.net }

// SetInnerParams sets which parameters n's inner steps change
// (InnerStep); a new HeadNet changes all of them (AllParams).
func (n *HeadNet) SetInnerParams(p InnerParams) { n.inner = p }

// InnerParams returns which parameters n's inner steps change.
func (n *HeadNet) InnerParams() InnerParams { return n.inner }

// adaptTrain reports whether BatchNorm runs in training mode on a support
// set: with SupportBN and TransductiveBN it does (batch statistics), with RunningBN it does
// not (the stored running statistics, left unchanged).
func (n *HeadNet) adaptTrain() bool { return n.bn != RunningBN }

// Logits returns the N×way logits of the images x (N×1×28×28) under p,
// with BatchNorm in training mode (batch statistics; the running
// statistics in p are updated) if train is set, and with p's running
// statistics otherwise. The result is owned by n and overwritten by the
// next call.
func (n *HeadNet) Logits(p *tensor.Set, x *tensor.Tensor, train bool) (*tensor.Tensor, error) {
	way, err := n.net.HeadWay(p)
	if err != nil {
		return nil, err
	}
	emb, err := n.conv.Forward(p, x, train)
	if err != nil {
		return nil, err
	}
	n.emb = emb
	rows := emb.Shape[0]
	resize(&n.logits, rows, way)
	head := nn.Linear{Name: HeadName, In: n.net.Dim, Out: way}
	if err := head.Forward(p, emb, &n.logits); err != nil {
		return nil, err
	}
	return &n.logits, nil
}

// Loss returns the mean cross-entropy and the accuracy of the labelled
// images x under p (BatchNorm as in Logits). If grads is not nil it
// receives the gradients of the loss with respect to p's trainable
// tensors (nn.Trainable names, head included), overwritten.
func (n *HeadNet) Loss(p *tensor.Set, x *tensor.Tensor, labels []int, train bool, grads *tensor.Set) (loss, acc float64, err error) {
	logits, err := n.Logits(p, x, train)
	if err != nil {
		return 0, 0, err
	}
	rows, way := logits.Shape[0], logits.Shape[1]
	var dl []float32
	if grads != nil {
		resize(&n.dlogits, rows, way)
		dl = n.dlogits.Data
	}
	loss, acc, err = nn.CrossEntropy(dl, logits.Data, labels, rows, way)
	if err != nil {
		return 0, 0, err
	}
	if err := CheckLoss(loss); err != nil {
		return loss, acc, err
	}
	if grads == nil {
		return loss, acc, nil
	}
	resize(&n.demb, rows, n.net.Dim)
	head := nn.Linear{Name: HeadName, In: n.net.Dim, Out: way}
	if err := head.Backward(p, n.emb, &n.dlogits, &n.demb, grads); err != nil {
		return 0, 0, err
	}
	if err := n.conv.Backward(p, &n.demb, grads); err != nil {
		return 0, 0, err
	}
	return loss, acc, nil
}

// Embed returns the N×Dim backbone embeddings of x under p (BatchNorm as
// in Logits), owned by n's backbone and overwritten by its next call.
func (n *HeadNet) Embed(p *tensor.Set, x *tensor.Tensor, train bool) (*tensor.Tensor, error) {
	return n.conv.Forward(p, x, train)
}

// SGDStep sets p[name] -= lr·grads[name] for every tensor of grads.
// It panics if p lacks a name of grads or has it with another size.
func SGDStep(p, grads *tensor.Set, lr float32) {
	for i := range grads.Len() {
		name, g := grads.At(i)
		w := p.Get(name)
		if w == nil || len(w.Data) != len(g.Data) {
			panic(fmt.Sprintf("learner: SGD step on %q with mismatched parameters", name))
		}
		for j, v := range g.Data {
			w.Data[j] -= lr * v
		}
	}
}

// SupportStats writes into the BatchNorm running statistics of p the batch
// statistics of the support images x under p: the mean and the biased
// variance that a training-mode forward pass of x normalizes x with. A
// later inference-mode forward pass of any image under p then normalizes it
// exactly as x was normalized, whatever other images share its batch. This
// is how FOMAML and Reptile classify one query at a time (see the package
// documentation).
//
// It works through the backbone's own training-mode update: with the running
// statistics zeroed, one forward pass leaves running = momentum·batch, so
// dividing by the momentum recovers the batch statistics; the variance is
// stored unbiased and is rescaled by (m−1)/m, m being the number of values
// per channel.
func (n *HeadNet) SupportStats(p *tensor.Set, x *tensor.Tensor) error {
	for b := range nn.Blocks {
		for _, s := range []string{"running_mean", "running_var"} {
			t := p.Get(fmt.Sprintf("encoder.%d.1.%s", b, s))
			if t == nil {
				return fmt.Errorf("support statistics: parameters lack encoder.%d.1.%s", b, s)
			}
			t.Zero()
		}
	}
	if _, err := n.conv.Forward(p, x, true); err != nil {
		return err
	}
	for b := range nn.Blocks {
		m := float64(x.Shape[0] * n.net.Sides[b] * n.net.Sides[b])
		unbias := 1.0
		if m > 1 {
			unbias = (m - 1) / m
		}
		rm := p.Get(fmt.Sprintf("encoder.%d.1.running_mean", b)).Data
		rv := p.Get(fmt.Sprintf("encoder.%d.1.running_var", b)).Data
		for c := range rm {
			rm[c] = float32(float64(rm[c]) / nn.BNMomentum)
			rv[c] = float32(float64(rv[c]) / nn.BNMomentum * unbias)
		}
	}
	return nil
}

// ProtoHead sets p's head, for the way classes of the support images x
// (labels in [0, way)), to the linear form of the Prototypical Networks
// classifier: with c_k the mean embedding of class k's support images,
// −‖e − c_k‖² = 2·c_kᵀe − ‖c_k‖² − ‖e‖², and the last term is the same for
// every class, so weight row k = 2·c_k and bias k = −‖c_k‖² rank classes
// exactly as the distances do (Triantafillou et al. 2020, Proto-MAML). The
// support is embedded with n's BatchNorm statistics (BN). The head in p
// must already have way rows.
func (n *HeadNet) ProtoHead(p *tensor.Set, x *tensor.Tensor, labels []int) error {
	way, err := n.net.HeadWay(p)
	if err != nil {
		return err
	}
	emb, err := n.conv.Forward(p, x, n.adaptTrain())
	if err != nil {
		return err
	}
	d := n.net.Dim
	w, b := p.Get(HeadName+".weight").Data, p.Get(HeadName+".bias").Data
	if _, err := Prototypes(w, emb.Data, labels, way, d); err != nil {
		return fmt.Errorf("prototype head: %w", err)
	}
	for k := range way {
		row := w[k*d : (k+1)*d]
		var sq float64
		for j, c := range row {
			sq += float64(c) * float64(c)
			row[j] = 2 * c
		}
		b[k] = float32(-sq)
	}
	return nil
}

// Prototypes sets protos (way×d) to the prototypes of the embeddings emb
// (one row of d values per label): the mean of each class's rows, summed
// in T in the order of labels, then divided by the class's count. It
// returns the count of each class, or an error if a label is outside
// [0, way) or a class has no row. Prototypical Networks (Snell et al.
// 2017) classify by the nearest one; the prototype head (FOMAML, Reptile)
// starts from them.
func Prototypes[T float32 | float64](protos []T, emb []float32, labels []int, way, d int) ([]int, error) {
	clear(protos[:way*d])
	count := make([]int, way)
	for i, y := range labels {
		if y < 0 || y >= way {
			return nil, fmt.Errorf("label %d of support image %d is outside [0, %d)", y, i, way)
		}
		count[y]++
		row := protos[y*d : (y+1)*d]
		for j, v := range emb[i*d : (i+1)*d] {
			row[j] += T(v)
		}
	}
	for k, c := range count {
		if c == 0 {
			return nil, fmt.Errorf("class %d has no support image", k)
		}
		for j := range d {
			protos[k*d+j] /= T(c)
		}
	}
	return count, nil
}

// ProtoHeadBackward adds to grads the part of a loss's gradient that flows
// through a prototype head into the backbone: the head that ProtoHead set from
// the support images x (labels in [0, way)) under the backbone weights of p.
// headGrads holds the gradients of the loss with respect to that head
// ("head.weight", "head.bias": g_W, g_b). As W_k = 2·c_k and
// b_k = −‖c_k‖² with c_k the mean embedding of class k's n_k support
// images,
//
//	∂loss/∂e_i = (2·g_W,k − 2·g_b,k·c_k) / n_k     for a support image i of class k,
//
// which runs back through the backbone (BatchNorm as in ProtoHead) into
// the backbone gradients of grads, added to what they hold. It embeds x anew, so
// with SupportBN p's running statistics change: pass a scratch copy of the
// weights.
func (n *HeadNet) ProtoHeadBackward(p *tensor.Set, x *tensor.Tensor, labels []int, headGrads, grads *tensor.Set) error {
	gw, gb := headGrads.Get(HeadName+".weight"), headGrads.Get(HeadName+".bias")
	if gw == nil || gb == nil || len(gw.Data) != len(gb.Data)*n.net.Dim {
		return fmt.Errorf("prototype head gradient: missing or misshapen head gradients")
	}
	way := len(gb.Data)
	emb, err := n.conv.Forward(p, x, n.adaptTrain())
	if err != nil {
		return err
	}
	d := n.net.Dim
	proto := make([]float64, way*d)
	count, err := Prototypes(proto, emb.Data, labels, way, d)
	if err != nil {
		return fmt.Errorf("prototype head gradient: %w", err)
	}
	resize(&n.demb, len(labels), d)
	for i, y := range labels {
		inv := 1 / float64(count[y])
		for j := range d {
			n.demb.Data[i*d+j] = float32((2*float64(gw.Data[y*d+j]) - 2*float64(gb.Data[y])*proto[y*d+j]) * inv)
		}
	}
	if n.protoGrads == nil || n.protoGrads.Covers(grads) != nil {
		n.protoGrads = grads.ZerosLike()
	}
	if err := n.conv.Backward(p, &n.demb, n.protoGrads); err != nil {
		return err
	}
	for i := range grads.Len() {
		name, g := grads.At(i)
		if name == HeadName+".weight" || name == HeadName+".bias" {
			continue
		}
		for j, v := range n.protoGrads.Get(name).Data {
			g.Data[j] += v
		}
	}
	return nil
}

// resize makes t an r×c tensor, reusing its storage when large enough.
func resize(t *tensor.Tensor, r, c int) {
	if cap(t.Data) < r*c {
		t.Data = make([]float32, r*c)
	}
	t.Data = t.Data[:r*c]
	t.Shape = append(t.Shape[:0], r, c)
}

// CheckConv4 returns nil if p is exactly a Conv4 parameter set (names and
// shapes of nn.NewConv4Params), and otherwise an error naming the missing,
// extra or misshapen tensor.
func CheckConv4(p *tensor.Set) error {
	// The template supplies names and shapes; its values are unused.
	if err := p.Match(nn.NewConv4Params(rand.New(rand.NewPCG(0, 0)))); err != nil {
		return fmt.Errorf("not a Conv4: %w", err)
	}
	return nil
}

// MetaParams checks the parameters of a learner with a head on Conv4
// (Conv4.MetaParams).
func MetaParams(params *tensor.Set, protoHead bool) (*tensor.Set, error) {
	return Conv4.MetaParams(params, protoHead)
}

// MetaParams checks the parameters of a learner with a head on the
// network nt (FOMAML, Reptile) and returns its meta-parameter set: params
// itself (which must hold a head of nt.Dim inputs), or for a prototype
// head a set sharing params' backbone tensors (a head in params is
// dropped).
func (nt Net) MetaParams(params *tensor.Set, protoHead bool) (*tensor.Set, error) {
	if params == nil {
		return nil, fmt.Errorf("nil parameters")
	}
	conv := &tensor.Set{}
	hasHead := false
	for i := range params.Len() {
		n, t := params.At(i)
		if n == HeadName+".weight" || n == HeadName+".bias" {
			hasHead = true
			continue
		}
		conv.Add(n, t)
	}
	if err := CheckConv4(conv); err != nil {
		return nil, err
	}
	if protoHead {
		return conv, nil
	}
	if !hasHead {
		return nil, fmt.Errorf("parameters have no head %q (a backbone alone needs the prototype head)", HeadName)
	}
	if _, err := nt.HeadWay(params); err != nil {
		return nil, err
	}
	return params, nil
}
