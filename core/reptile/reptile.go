package reptile

import (
	"fmt"
	"math"

	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Config configures a Learner. A zero field means the value in its comment
// (Spec.Defaults, the registry's reference settings).
type Config struct {
	InnerSteps int     // inner SGD steps in training; 0 means 5
	InnerLR    float64 // inner learning rate α; 0 means 0.1
	// InnerBatch is how many support images each inner step in training
	// takes (TaskWorker.AdaptInBatches); 0 means all of them. Adapt (test
	// time) always steps on the whole support set.
	InnerBatch int
	AdaptSteps int     // inner steps of Adapt (test time); 0 means 10, learner.NoAdapt none
	Epsilon    float64 // outer step size ε (the start of the schedule); 0 means 1
	// ProtoHead initialises the head of every task from the support
	// prototypes instead of meta-learning it (see package maml). It is
	// meant for adapting a trained model: in training, Reptile's signal
	// vanishes as soon as the prototype head fits the support set (the
	// support loss is then ≈ 0, so φ = θ), which on Omniglot is at once.
	ProtoHead bool
	// BN chooses the BatchNorm statistics of adaptation and prediction:
	// the support set's (learner.SupportBN, the zero value) or the running
	// statistics of the parameters, which meta-training then leaves as
	// they are (learner.RunningBN; for a network initialized from a
	// ProtoNet).
	BN learner.BN
	// InnerParams chooses what the inner steps change: every trainable
	// tensor (learner.AllParams, the zero value) or all but the BatchNorm
	// scales and offsets (learner.NoBNParams, as Finn et al.'s code).
	InnerParams learner.InnerParams
	// Net names the backbone (learner.NetNamed): "" or "conv4" the
	// max-pooling Conv4, "conv4s2" the stride-2 network of Nichol et al.
	Net string
	Par nn.Parallel // workers for the convolutions; nil means one
}

// withDefaults fills the zero fields with the reference settings, the
// registry's (reference, Spec.Defaults), so that the numbers live in one place.
func (c Config) withDefaults() Config {
	if c.InnerSteps == 0 {
		c.InnerSteps = reference.InnerSteps
	}
	if c.InnerLR == 0 {
		c.InnerLR = reference.InnerLR
	}
	if c.AdaptSteps == 0 {
		c.AdaptSteps = reference.AdaptSteps
	}
	if c.Epsilon == 0 {
		c.Epsilon = reference.LR
	}
	return c
}

// Learner is Reptile on a backbone (Config.Net: Conv4 or Conv4S2) with a
// linear head. It implements learner.Learner.
type Learner struct {
	cfg       Config
	eps       float64
	meta      *tensor.Set       // θ: the backbone (+ head unless ProtoHead)
	trainable *tensor.Set       // meta without BatchNorm buffers (shared)
	delta     *tensor.Set       // mean of φ_i − θ over a meta-batch
	pool      *learner.TaskPool // the tasks of a meta-batch in parallel
	phi       []*tensor.Set     // adapted weights φ_i of each task of a meta-batch
	taskM     []learner.Metrics // query metrics of each task
}

// New returns a Learner that meta-trains params in place: the backbone
// with a head of cfg.Net's width (learner.Net.NewHeadNetParams) or, with
// cfg.ProtoHead, the backbone alone. It returns an error if params has the
// wrong architecture, cfg.Net names no network or cfg holds a negative
// value.
func New(params *tensor.Set, cfg Config) (*Learner, error) {
	cfg = cfg.withDefaults()
	if cfg.InnerSteps < 0 || (cfg.AdaptSteps < 0 && cfg.AdaptSteps != learner.NoAdapt) || cfg.InnerLR < 0 || cfg.Epsilon < 0 || cfg.InnerBatch < 0 {
		return nil, fmt.Errorf("reptile: negative inner steps or step size in %+v", cfg)
	}
	meta, tr, pool, err := learner.InnerLoop{Net: cfg.Net, ProtoHead: cfg.ProtoHead, BN: cfg.BN, InnerParams: cfg.InnerParams, Par: cfg.Par}.Setup(params)
	if err != nil {
		return nil, fmt.Errorf("reptile: %w", err)
	}
	return &Learner{
		cfg: cfg, eps: cfg.Epsilon, meta: meta, trainable: tr, delta: tr.ZerosLike(),
		pool: pool,
	}, nil
}

// Params returns θ, updated in place by Step.
func (l *Learner) Params() *tensor.Set { return l.meta }

// OptimState returns an empty set: Reptile's outer update has no state
// besides ε, which the training loop's schedule sets.
func (l *Learner) OptimState() *tensor.Set { return &tensor.Set{} }

// LoadOptimState accepts only an empty set.
func (l *Learner) LoadOptimState(s *tensor.Set) error {
	if s.Len() != 0 {
		n, _ := s.At(0)
		return fmt.Errorf("reptile: unexpected optimizer state %q (Reptile has none)", n)
	}
	return nil
}

// SetLR sets the outer step size ε.
func (l *Learner) SetLR(eps float64) { l.eps = eps }

// Step adapts fast weights φ_i to each task's support set and moves θ by
// ε·mean_i(φ_i − θ). The metrics are the query loss and accuracy after
// adaptation. On error θ is unchanged.
//
// The tasks run in parallel over Config.Par's workers, one task per worker
// at a time (learner.TaskPool), and their updates are averaged in task
// order: the step gives the same θ for any number of workers.
func (l *Learner) Step(tasks []*learner.Task) (learner.Metrics, error) {
	if len(tasks) == 0 {
		return learner.Metrics{}, fmt.Errorf("reptile: step on no tasks")
	}
	for len(l.phi) < len(tasks) {
		l.phi = append(l.phi, l.delta.ZerosLike())
		l.taskM = append(l.taskM, learner.Metrics{})
	}
	n := len(tasks)
	if err := l.TaskParts(tasks, 0, n, l.phi[:n], l.taskM[:n]); err != nil {
		return learner.Metrics{}, err
	}
	return l.Combine(l.phi[:n], l.taskM[:n])
}

// NewPart returns zeroed memory for one task's adapted weights φ_i (the
// trainable parameters' shapes). It implements learner.TaskSplitter.
func (l *Learner) NewPart() *tensor.Set { return l.delta.ZerosLike() }

// TaskParts adapts fast weights to each task's support set and writes the
// adapted weights φ_i into out[i] and the query metrics into m[i]: the
// per-task half of Step (tasks first… of a meta-batch of batch), which
// leaves θ alone. It implements learner.TaskSplitter.
func (l *Learner) TaskParts(tasks []*learner.Task, first, batch int, out []*tensor.Set, m []learner.Metrics) error {
	return l.pool.RunTasks(len(tasks), batch, func(w *learner.TaskWorker, i int) error {
		t := tasks[i]
		if t.Query == nil {
			return fmt.Errorf("reptile: task %d has no queries", first+i)
		}
		fast, _, err := w.AdaptInBatches(l.meta, t, l.cfg.ProtoHead, l.cfg.InnerSteps, l.cfg.InnerLR, l.cfg.InnerBatch)
		if err != nil {
			return fmt.Errorf("reptile: task %d: %w", first+i, err)
		}
		loss, acc, err := w.Net.Loss(fast, t.Query, t.QueryLabels, l.cfg.BN.QueryTrain(), nil)
		if err != nil {
			return fmt.Errorf("reptile: task %d queries: %w", first+i, err)
		}
		m[i] = learner.Metrics{Loss: loss, Acc: acc}
		phi := out[i]
		for j := range phi.Len() {
			name, d := phi.At(j)
			copy(d.Data, fast.Get(name).Data)
		}
		return nil
	})
}

// Combine moves θ by ε times the mean of φ_i − θ, summed in task order:
// the second half of Step. It implements learner.TaskSplitter.
func (l *Learner) Combine(parts []*tensor.Set, tm []learner.Metrics) (learner.Metrics, error) {
	if len(parts) == 0 || len(parts) != len(tm) {
		return learner.Metrics{}, fmt.Errorf("reptile: combine %d updates with %d metrics", len(parts), len(tm))
	}
	// Average in task order, whichever worker computed each task.
	l.delta.Zero()
	var m learner.Metrics
	n := len(parts)
	scale := 1 / float32(n)
	for i, p := range parts {
		m.Loss += tm[i].Loss / float64(n)
		m.Acc += tm[i].Acc / float64(n)
		for j := range l.delta.Len() {
			name, d := l.delta.At(j)
			_, phi := p.At(j)
			th := l.meta.Get(name).Data
			for k, v := range phi.Data {
				d.Data[k] += scale * (v - th[k])
			}
		}
	}
	for j := range l.delta.Len() {
		name, d := l.delta.At(j)
		for _, v := range d.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return learner.Metrics{}, fmt.Errorf("reptile: update of %q is not finite: training diverged (try a lower -inner-lr)", name)
			}
		}
	}
	e := float32(l.eps)
	for j := range l.delta.Len() {
		name, d := l.delta.At(j)
		th := l.meta.Get(name).Data
		for k, v := range d.Data {
			th[k] += e * v
		}
	}
	return m, nil
}

// Adapt fine-tunes a copy of θ on t's support set with AdaptSteps SGD
// steps and returns the adapted classifier. θ is not changed.
func (l *Learner) Adapt(t *learner.Task) (learner.Classifier, error) {
	return l.AdaptSteps(t, max(l.cfg.AdaptSteps, 0))
}

// AdaptSteps is Adapt with steps SGD steps (0: the meta-learned weights as
// they are). It implements learner.StepsAdapter.
func (l *Learner) AdaptSteps(t *learner.Task, steps int) (learner.Classifier, error) {
	c, err := l.pool.AdaptedClassifier(l.cfg.Par, l.meta, t, l.cfg.ProtoHead, steps, l.cfg.InnerLR)
	if err != nil {
		return nil, fmt.Errorf("reptile: %w", err)
	}
	return c, nil
}
