package classify

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"metaglot/core/algo"
	_ "metaglot/core/algo/all" // the algorithms' reference settings
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// FineTuner classifies the way first-order MAML (Finn et al. 2017) and
// Reptile (Nichol et al. 2018) do at test time: copy the meta-learned
// weights, fine-tune them with a few SGD steps on the support set, then
// classify the query with the adapted network, with the BatchNorm
// statistics the model's config names ("bn": the support set's or the
// model's running statistics; learner.BN), exactly as core/maml's Adapt.
// The fine-tuning is split into steps (Adaptation.Step) so that the page
// can run one per frame and show progress instead of freezing.
type FineTuner struct {
	meta  *tensor.Set
	steps int
	lr    float32
	// defSteps and defLR are the model's own settings (SetInner may
	// change steps and lr).
	defSteps  int
	defLR     float32
	protoHead bool
	bn        learner.BN  // the statistics the model was meta-trained with
	kind      learner.Net // the backbone: Conv4 or conv4s2 (the config's net)
	net       *learner.HeadNet
	way       int // rows of the meta-learned head; 0 with a prototype head
	// conv is the meta-learned backbone without the head: a task whose
	// number of classes is not way starts from the prototype head on it.
	conv *tensor.Set

	adapt *Adaptation // the adaptation in progress or done, for its support
}

// NewFineTuner returns a FineTuner for the weights params of a FOMAML or
// Reptile checkpoint (an algorithm name that adapts by inner steps) and
// its metadata ("algo" and the JSON "config" with inner_lr, adapt_steps
// and proto_head; zero values mean the algorithm's reference settings in
// core/algo: 10 steps, learning rate 0.4 for FOMAML and 0.1 for Reptile).
// The config's "net" names the backbone (Conv4 when it names none; conv4s2);
// a network the page does not know is refused in one line naming it. It
// returns an error if the metadata is not for name or the weights are not
// that network with, unless proto_head, a linear head on its embeddings.
func NewFineTuner(name string, params *tensor.Set, meta map[string]string) (*FineTuner, error) {
	// Only the settings adaptation needs are read: a file from elsewhere
	// may lack the rest of metaglot's metadata.
	var cfg modelfile.Config
	if c := meta["config"]; c != "" {
		if err := json.Unmarshal([]byte(c), &cfg); err != nil {
			return nil, fmt.Errorf("classify: %s weights: config metadata: %v", name, err)
		}
	}
	if a := meta["algo"]; a != "" && a != name {
		return nil, fmt.Errorf("classify: the %s weights file says it holds %q weights", name, a)
	}
	// Settings a file does not record are the algorithm's reference ones
	// (the registry's Defaults: 10 steps; lr 0.4 for FOMAML, 0.1 for
	// Reptile).
	spec, err := algo.Lookup(name)
	if err != nil || !spec.Caps.Adapts {
		return nil, fmt.Errorf("classify: %q is not an algorithm that adapts by inner steps", name)
	}
	if cfg.AdaptSteps == 0 {
		cfg.AdaptSteps = spec.Defaults.AdaptSteps
	}
	if cfg.InnerLR == 0 {
		cfg.InnerLR = spec.Defaults.InnerLR
	}
	if cfg.AdaptSteps < 0 || cfg.InnerLR < 0 {
		return nil, fmt.Errorf("classify: %s weights: negative adapt_steps or inner_lr", name)
	}
	bn, err := learner.ParseBN(cfg.BN)
	if err != nil {
		return nil, fmt.Errorf("classify: %s weights: %w", name, err)
	}
	// The network the model was trained as: Conv4 and conv4s2 take the
	// same tensors, so only the config says which (never run one as the
	// other).
	net, err := learner.NetNamed(cfg.Net)
	if err != nil {
		return nil, fmt.Errorf("classify: %s weights: the page cannot run them: %w", name, err)
	}
	inner, err := learner.ParseInnerParams(cfg.InnerParams)
	if err != nil {
		return nil, fmt.Errorf("classify: %s weights: %w", name, err)
	}
	f := &FineTuner{meta: params, steps: cfg.AdaptSteps, lr: float32(cfg.InnerLR), defSteps: cfg.AdaptSteps, defLR: float32(cfg.InnerLR), protoHead: cfg.ProtoHead, bn: bn, kind: net, net: net.NewHeadNet(nn.Serial{}, bn)}
	// The inner steps change what the model was meta-trained to change
	// (inner_params: every parameter, or all but BatchNorm's).
	f.net.SetInnerParams(inner)
	if !cfg.ProtoHead {
		way, err := net.HeadWay(params)
		if err != nil {
			return nil, fmt.Errorf("classify: %s weights: %w", name, err)
		}
		f.way = way
		if f.conv, err = net.MetaParams(params, true); err != nil {
			return nil, fmt.Errorf("classify: %s weights: %w", name, err)
		}
	}
	// A trial forward pass checks the network's names, shapes and values.
	if _, err := f.net.Embed(params, tensor.New(1, 1, nn.ImageSize, nn.ImageSize), false); err != nil {
		return nil, fmt.Errorf("classify: %s weights: %w", name, err)
	}
	return f, nil
}

// Net returns the network the model was meta-trained as (its config's
// "net": learner.Conv4 unless it says conv4s2).
func (f *FineTuner) Net() learner.Net { return f.kind }

// BN returns the BatchNorm statistics the model was meta-trained with
// (its config's "bn"). Whatever they are, a query is classified on its
// own: with learner.TransductiveBN (Finn et al.'s, where the queries of a
// task are normalized together) the FineTuner normalizes each query with
// the support set's statistics under the adapted weights, as with
// learner.SupportBN (metaglot eval -protocol one).
func (f *FineTuner) BN() learner.BN { return f.bn }

// HeadWay returns the number of classes of the meta-learned head, or 0
// if the model adapts from the prototype head (proto_head).
func (f *FineTuner) HeadWay() int { return f.way }

// ProtoHead reports whether the current adaptation started from the
// prototype head (weights 2·c_k and biases −‖c_k‖² from the support
// prototypes c_k): always for a model without a learned head, and for a
// task whose number of classes is not HeadWay (a learned head of 5 rows
// cannot answer 3 or 20 classes: the meta-learned Conv4 is kept and the
// head built from the support set, as metaglot eval -proto-head does).
// False before any adaptation.
func (f *FineTuner) ProtoHead() bool { return f.adapt != nil && f.adapt.protoHead }

// Steps returns the number of fine-tuning steps of an adaptation.
func (f *FineTuner) Steps() int { return f.steps }

// MaxInnerSteps and MaxInnerLR bound what SetInner accepts: more steps
// would keep the page adapting for seconds (one step per frame), and a
// larger learning rate only makes the fine-tuning diverge.
const (
	MaxInnerSteps = 100
	MaxInnerLR    = 10
)

// Inner returns the fine-tuning settings in use: the number of inner SGD
// steps and their learning rate.
func (f *FineTuner) Inner() (steps int, lr float64) { return f.steps, shortest(f.lr) }

// DefaultInner returns the model's own fine-tuning settings (from its
// metadata, or the learners' defaults).
func (f *FineTuner) DefaultInner() (steps int, lr float64) { return f.defSteps, shortest(f.defLR) }

// shortest returns the float64 with the shortest decimal form that rounds
// to x (0.003, not 0.003000000026077032), for the page to show.
func shortest(x float32) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
	return v
}

// SetInner sets the number of inner SGD steps (0 to MaxInnerSteps; 0
// classifies with the meta-learned weights as they are) and their learning
// rate (above 0, at most MaxInnerLR). Bad values are refused with an error
// naming them and change nothing; new settings restart the adaptation at
// the next Classify.
func (f *FineTuner) SetInner(steps int, lr float64) error {
	if steps < 0 || steps > MaxInnerSteps {
		return fmt.Errorf("inner steps %d: want 0 to %d", steps, MaxInnerSteps)
	}
	if math.IsNaN(lr) || lr <= 0 || lr > MaxInnerLR {
		return fmt.Errorf("inner learning rate %v: want a number above 0 and at most %d", lr, MaxInnerLR)
	}
	if steps == f.steps && float32(lr) == f.lr {
		return nil
	}
	f.steps, f.lr = steps, float32(lr)
	f.adapt = nil
	return nil
}

// Losses returns the support loss measured at each fine-tuning step of the
// current adaptation so far (before that step's update: the first is the
// meta-learned weights' loss), one per step done.
func (f *FineTuner) Losses() []float64 {
	if f.adapt == nil {
		return nil
	}
	if f.adapt.inner == nil {
		return nil
	}
	return append([]float64(nil), f.adapt.inner.Losses...)
}

// Trace returns the query's probabilities after each fine-tuning step of
// the current adaptation so far, one row per step done: row k−1 holds what
// Classify would give after an adaptation of k steps (the weights adapted
// so far, with the BatchNorm statistics the model classifies with), laid
// out over the task's classes as Result.Probs, NaN for classes without
// examples. The rows are for the last query given to Classify; a new
// query after the adaptation has finished drops them (it is classified
// with the adapted weights, not adapted again). The rows are not copied.
func (f *FineTuner) Trace() [][]float64 {
	if f.adapt == nil {
		return nil
	}
	return f.adapt.trace
}

// TraceBefore returns the probabilities of the last query given to
// Classify with 0 steps (Result.Before), available from the start of the
// adaptation, or nil before any query.
func (f *FineTuner) TraceBefore() []float64 {
	if f.adapt == nil {
		return nil
	}
	return f.adapt.beforeRow
}

// ErrAdapting is returned by Classify while the network is being adapted
// to a new support set; Progress says how far it is.
var ErrAdapting = errors.New("adapting to the classes")

// Adaptation is the fine-tuning of a copy of the weights to one support set.
type Adaptation struct {
	key uint64 // the support set it is for
	// inner is the inner loop (learner.Adaptation, as FOMAML's and
	// Reptile's Adapt run it), nil if the support set was refused.
	inner *learner.Adaptation
	// protoHead says the fast weights started from the prototype head.
	protoHead bool
	labels    []int
	used      []int // the classes with examples, in task order
	nClass    int
	step      int
	done      bool
	err       error
	clf       *learner.HeadClassifier
	// before classifies with the meta-learned weights (0 steps), with the
	// BatchNorm statistics the model classifies with (FinishAdapt).
	before *learner.HeadClassifier

	// query is the query Classify was last given (qkey its hash),
	// beforeRow its probabilities with 0 steps, trace its probabilities
	// after each step so far (Trace); snap and snapClf
	// are the buffer the adapted-so-far weights are copied into to
	// classify it after each step.
	query     *tensor.Tensor
	qkey      uint64
	beforeRow []float64
	trace     [][]float64
	snap      *tensor.Set
	snapClf   *learner.HeadClassifier
}

// supportKey hashes a support set's structure and images.
func supportKey(support [][][]float32) uint64 {
	var k uint64 = 14695981039346656037
	for c, ex := range support {
		k = (k ^ uint64(c+1)) * 1099511628211
		for _, img := range ex {
			k = (k ^ key(img)) * 1099511628211
		}
	}
	return k
}

// start begins an adaptation to support.
func (f *FineTuner) start(support [][][]float32) *Adaptation {
	a := &Adaptation{key: supportKey(support), nClass: len(support)}
	var imgs []float32
	for c, ex := range support {
		if len(ex) == 0 {
			continue
		}
		for _, img := range ex {
			if len(img) != ImageLen {
				a.err = fmt.Errorf("classify: image has %d values, want %d", len(img), ImageLen)
				return a
			}
			imgs = append(imgs, img...)
			a.labels = append(a.labels, len(a.used))
		}
		a.used = append(a.used, c)
	}
	way := len(a.used)
	switch {
	case way == 0:
		a.err = ErrNoClasses
		return a
	}
	// A learned head answers its own number of classes; any other task
	// starts from the prototype head on the meta-learned Conv4.
	meta := f.meta
	a.protoHead = f.protoHead
	if f.way != 0 && way != f.way {
		meta, a.protoHead = f.conv, true
	}
	x := tensor.FromData(imgs, len(a.labels), 1, nn.ImageSize, nn.ImageSize)
	in, err := f.net.NewAdaptation(meta, x, a.labels, way, a.protoHead, f.lr)
	if err != nil {
		a.err = fmt.Errorf("classify: %w", err)
		return a
	}
	a.inner = in
	// The unadapted copy gets the statistics FinishAdapt would give it.
	unadapted := in.Fast.Clone()
	if err := f.net.FinishAdapt(unadapted, x); err != nil {
		a.err = fmt.Errorf("classify: %w", err)
		return a
	}
	if a.before, err = f.kind.NewHeadClassifier(nn.Serial{}, unadapted); err != nil {
		a.err = fmt.Errorf("classify: %w", err)
		return a
	}
	return a
}

// Step runs one fine-tuning step of the current adaptation (the last one
// finishes it: learner.HeadNet.FinishAdapt sets the support's BatchNorm
// statistics if the model adapts with them). It reports whether work is
// left.
func (f *FineTuner) Step() bool {
	a := f.adapt
	if a == nil || a.done || a.err != nil {
		return false
	}
	if a.step < f.steps {
		if _, err := a.inner.Step(); err != nil {
			a.err = fmt.Errorf("classify: fine-tuning step %d: %w", a.step+1, err)
			return false
		}
		a.step++
		if a.query != nil {
			row, err := f.snapshot(a)
			if err != nil {
				a.err = fmt.Errorf("classify: after fine-tuning step %d: %w", a.step, err)
				return false
			}
			a.trace = append(a.trace, row)
		}
		return true
	}
	if err := a.inner.Finish(); err != nil {
		a.err = fmt.Errorf("classify: %w", err)
		return false
	}
	clf, err := f.kind.NewHeadClassifier(nn.Serial{}, a.inner.Fast)
	if err != nil {
		a.err = fmt.Errorf("classify: %w", err)
		return false
	}
	a.clf, a.done = clf, true
	return false
}

// snapshot returns the probabilities of a's query under the weights
// adapted so far, as the finished adaptation would classify it: a copy of
// the fast weights (into a buffer reused from step to step) gets the
// BatchNorm statistics of FinishAdapt, which the fine-tuning itself must
// not see. Its cost is one copy, one support and one query forward pass.
func (f *FineTuner) snapshot(a *Adaptation) ([]float64, error) {
	if a.snap == nil || a.snap.CopyFrom(a.inner.Fast) != nil {
		a.snap, a.snapClf = a.inner.Fast.Clone(), nil
	}
	if err := f.net.FinishAdapt(a.snap, a.inner.X); err != nil {
		return nil, err
	}
	if a.snapClf == nil {
		clf, err := f.kind.NewHeadClassifier(nn.Serial{}, a.snap)
		if err != nil {
			return nil, err
		}
		a.snapClf = clf
	}
	p, err := a.snapClf.Probs(a.query)
	if err != nil {
		return nil, err
	}
	return a.spread(p.Data), nil
}

// Progress returns the steps done and to do of the current adaptation.
func (f *FineTuner) Progress() (done, total int) {
	if f.adapt == nil {
		return 0, f.steps
	}
	return f.adapt.step, f.steps
}

// Classify returns the probabilities of query under support, once the
// network is adapted to support: a new support set starts an adaptation
// and returns ErrAdapting until Step has finished it; meanwhile each Step
// records query's probabilities so far (Trace), and a different query
// after the first step starts the adaptation again, so that the trace is
// all for one query. Other errors as
// ProtoNet.Classify, plus a support set whose number of classes does not
// match a meta-learned head.
func (f *FineTuner) Classify(support [][][]float32, query []float32) (Result, error) {
	if f.adapt == nil || f.adapt.key != supportKey(support) {
		f.adapt = f.start(support)
	}
	a := f.adapt
	if a.err != nil {
		return Result{}, a.err
	}
	if !hasInk(query) {
		return Result{}, ErrEmptyQuery
	}
	if len(query) != ImageLen {
		return Result{}, fmt.Errorf("classify: query has %d values, want %d", len(query), ImageLen)
	}
	qkey := key(query)
	if a.query == nil || a.qkey != qkey {
		if !a.done && a.step > 0 {
			f.adapt = f.start(support)
			if a = f.adapt; a.err != nil {
				return Result{}, a.err
			}
		}
		q := tensor.FromData(append([]float32(nil), query...), 1, 1, nn.ImageSize, nn.ImageSize)
		pb, err := a.before.Probs(q)
		if err != nil {
			return Result{}, fmt.Errorf("classify: before adaptation: %w", err)
		}
		a.query, a.qkey, a.beforeRow = q, qkey, a.spread(pb.Data)
		if a.done {
			a.trace = nil // the steps' rows were for another query
		}
	}
	if !a.done {
		return Result{}, ErrAdapting
	}
	q := a.query
	p, err := a.clf.Probs(q)
	if err != nil {
		return Result{}, fmt.Errorf("classify: %w", err)
	}
	res := Result{Probs: a.spread(p.Data), Before: append([]float64(nil), a.beforeRow...), Best: -1}
	for _, c := range a.used {
		if res.Best < 0 || res.Probs[c] > res.Probs[res.Best] {
			res.Best = c
		}
	}
	return res, nil
}

// spread lays out the probabilities p of the classes with examples over
// all the task's classes, NaN for those without.
func (a *Adaptation) spread(p []float32) []float64 {
	out := make([]float64, a.nClass)
	for c := range out {
		out[c] = math.NaN()
	}
	for j, c := range a.used {
		out[c] = float64(p[j])
	}
	return out
}
