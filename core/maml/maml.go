package maml

import (
	"fmt"

	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/optim"
	"metaglot/core/tensor"
)

// Config configures a Learner. A zero field means the reference value for
// 5-way Omniglot given in its comment (Spec.Defaults, the registry's
// reference settings).
type Config struct {
	InnerSteps int     // inner SGD steps in training; 0 means 1
	InnerLR    float64 // inner learning rate α; 0 means 0.4
	AdaptSteps int     // inner steps of Adapt (test time); 0 means 10, learner.NoAdapt none
	LR         float64 // outer Adam learning rate β; 0 means 1e-3
	// ProtoHead initialises the head of every task from the support
	// prototypes instead of meta-learning it (see the package doc).
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
	// max-pooling Conv4, "conv4s2" the stride-2 network of Finn et al.
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
	if c.LR == 0 {
		c.LR = reference.LR
	}
	return c
}

// Learner is first-order MAML on a backbone (Config.Net: Conv4 or
// Conv4S2) with a linear head. It implements learner.Learner.
type Learner struct {
	cfg       Config
	meta      *tensor.Set // θ: the backbone (+ head unless ProtoHead)
	trainable *tensor.Set // meta without BatchNorm buffers (shared)
	sum       *tensor.Set // mean query gradient of a meta-batch
	adam      *optim.Adam
	pool      *learner.TaskPool // the tasks of a meta-batch in parallel
	taskGrads []*tensor.Set     // query gradient of each task of a meta-batch
	taskM     []learner.Metrics // query metrics of each task
}

// New returns a Learner that meta-trains params in place: the backbone
// with a head ("head.weight", "head.bias", way×Dim of cfg.Net;
// learner.Net.NewHeadNetParams) or, with cfg.ProtoHead, the backbone
// alone (nn.NewConv4Params; a head in params is then dropped). It returns
// an error if params has the wrong architecture, cfg.Net names no network
// or cfg holds a negative value.
func New(params *tensor.Set, cfg Config) (*Learner, error) {
	cfg = cfg.withDefaults()
	if cfg.InnerSteps < 0 || (cfg.AdaptSteps < 0 && cfg.AdaptSteps != learner.NoAdapt) || cfg.InnerLR < 0 || cfg.LR < 0 {
		return nil, fmt.Errorf("maml: negative inner steps or learning rate in %+v", cfg)
	}
	meta, tr, pool, err := learner.InnerLoop{Net: cfg.Net, ProtoHead: cfg.ProtoHead, BN: cfg.BN, InnerParams: cfg.InnerParams, Par: cfg.Par}.Setup(params)
	if err != nil {
		return nil, fmt.Errorf("maml: %w", err)
	}
	return &Learner{
		cfg: cfg, meta: meta, trainable: tr, sum: tr.ZerosLike(),
		adam: optim.NewAdam(tr, optim.AdamConfig{LR: float32(cfg.LR)}),
		pool: pool,
	}, nil
}

// Params returns θ, updated in place by Step.
func (l *Learner) Params() *tensor.Set { return l.meta }

// OptimState returns a copy of the outer Adam state.
func (l *Learner) OptimState() *tensor.Set { return l.adam.State() }

// LoadOptimState restores an Adam state returned by OptimState.
func (l *Learner) LoadOptimState(s *tensor.Set) error { return l.adam.LoadState(s) }

// SetLR sets the outer (Adam) learning rate β.
func (l *Learner) SetLR(lr float64) { l.adam.SetLR(float32(lr)) }

// Step adapts fast weights to each task's support set with InnerSteps SGD
// steps, takes the query-loss gradient at the adapted weights, and updates
// θ with Adam on the mean over the tasks. The metrics are the query loss
// and accuracy after adaptation. On error θ and the Adam state are
// unchanged.
//
// The tasks run in parallel over Config.Par's workers, one task per worker
// at a time (learner.TaskPool), and their gradients are averaged in task
// order: the step gives the same θ for any number of workers.
func (l *Learner) Step(tasks []*learner.Task) (learner.Metrics, error) {
	if len(tasks) == 0 {
		return learner.Metrics{}, fmt.Errorf("maml: step on no tasks")
	}
	for len(l.taskGrads) < len(tasks) {
		l.taskGrads = append(l.taskGrads, l.sum.ZerosLike())
		l.taskM = append(l.taskM, learner.Metrics{})
	}
	n := len(tasks)
	if err := l.TaskParts(tasks, 0, n, l.taskGrads[:n], l.taskM[:n]); err != nil {
		return learner.Metrics{}, err
	}
	return l.Combine(l.taskGrads[:n], l.taskM[:n])
}

// NewPart returns zeroed memory for one task's query gradient (the
// trainable parameters' shapes). It implements learner.TaskSplitter.
func (l *Learner) NewPart() *tensor.Set { return l.sum.ZerosLike() }

// TaskParts adapts fast weights to each task's support set and writes the
// query-loss gradient at the adapted weights into out[i] and the query
// metrics into m[i]: the per-task half of Step (tasks first… of a
// meta-batch of batch), which leaves θ and Adam alone. It implements
// learner.TaskSplitter.
func (l *Learner) TaskParts(tasks []*learner.Task, first, batch int, out []*tensor.Set, m []learner.Metrics) error {
	return l.pool.RunTasks(len(tasks), batch, func(w *learner.TaskWorker, i int) error {
		t := tasks[i]
		if t.Query == nil {
			return fmt.Errorf("maml: task %d has no queries", first+i)
		}
		fast, grads, err := w.Adapt(l.meta, t, l.cfg.ProtoHead, l.cfg.InnerSteps, l.cfg.InnerLR)
		if err != nil {
			return fmt.Errorf("maml: task %d: %w", first+i, err)
		}
		loss, acc, err := w.Net.Loss(fast, t.Query, t.QueryLabels, l.cfg.BN.QueryTrain(), grads)
		if err != nil {
			return fmt.Errorf("maml: task %d queries: %w", first+i, err)
		}
		if l.cfg.ProtoHead {
			// The head started from θ's prototypes: the query loss
			// reaches θ through them too.
			scratch, err := w.Scratch(l.meta)
			if err != nil {
				return fmt.Errorf("maml: %w", err)
			}
			if err := w.Net.ProtoHeadBackward(scratch, t.Support, t.SupportLabels, grads, grads); err != nil {
				return fmt.Errorf("maml: task %d prototypes: %w", first+i, err)
			}
		}
		m[i] = learner.Metrics{Loss: loss, Acc: acc}
		g := out[i]
		for j := range g.Len() {
			name, s := g.At(j)
			copy(s.Data, grads.Get(name).Data)
		}
		return nil
	})
}

// Combine averages the tasks' query gradients in task order and takes the
// Adam step: the second half of Step. It implements learner.TaskSplitter.
func (l *Learner) Combine(parts []*tensor.Set, tm []learner.Metrics) (learner.Metrics, error) {
	if len(parts) == 0 || len(parts) != len(tm) {
		return learner.Metrics{}, fmt.Errorf("maml: combine %d gradients with %d metrics", len(parts), len(tm))
	}
	// Average in task order, whichever worker computed each task.
	l.sum.Zero()
	var m learner.Metrics
	n := len(parts)
	scale := 1 / float32(n)
	for i, g := range parts {
		m.Loss += tm[i].Loss / float64(n)
		m.Acc += tm[i].Acc / float64(n)
		for j := range l.sum.Len() {
			_, s := l.sum.At(j)
			_, v := g.At(j)
			for k, x := range v.Data {
				s.Data[k] += scale * x
			}
		}
	}
	if err := l.adam.Step(l.trainable, l.sum); err != nil {
		return learner.Metrics{}, fmt.Errorf("maml: %w", err)
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
		return nil, fmt.Errorf("maml: %w", err)
	}
	return c, nil
}
