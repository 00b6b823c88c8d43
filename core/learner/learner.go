package learner

import (
	"fmt"
	"math"

	"metaglot/core/tensor"
)

// NoAdapt is the AdaptSteps of maml.Config and reptile.Config that asks for
// no adaptation at all (0 there means the reference 10 steps): Adapt then
// classifies with the meta-learned weights as they are (with a head built
// from the support prototypes if ProtoHead is set, and the BatchNorm
// statistics the configuration names). It measures what adaptation adds.
const NoAdapt = -1

// Task is one few-shot episode as a learner sees it: a support set of
// labelled images of Way classes and a query set of labelled images of the
// same classes. Labels are in [0, Way). Images are C×H×W, the shape of the
// data set (Omniglot: 1×28×28, 1 = ink); a learner's network says which
// shapes it takes (Conv4: 1×28×28).
type Task struct {
	Way           int
	Support       *tensor.Tensor // S×C×H×W
	SupportLabels []int          // S labels
	Query         *tensor.Tensor // Q×C×H×W
	QueryLabels   []int          // Q labels
	// ImageShape, if not zero, is the [C H W] every image must have (the
	// data set's, e.g. episode.Sampler.ImageShape); zero means the support
	// images' own shape, which the queries must then share.
	ImageShape [3]int
}

// Check returns an error naming the problem if t's shapes or labels are
// inconsistent (images of another shape than t.ImageShape, or queries of
// another shape than the support images), or if a class has no support
// image.
func (t *Task) Check() error {
	if t.Way < 1 {
		return fmt.Errorf("task: way %d < 1", t.Way)
	}
	want := t.ImageShape
	if err := checkImages("support", t.Support, t.SupportLabels, t.Way, want); err != nil {
		return err
	}
	seen := make([]bool, t.Way)
	for _, y := range t.SupportLabels {
		seen[y] = true
	}
	for k, ok := range seen {
		if !ok {
			return fmt.Errorf("task: class %d has no support image", k)
		}
	}
	if t.Query != nil || t.QueryLabels != nil {
		if want == ([3]int{}) {
			want = [3]int(t.Support.Shape[1:])
		}
		return checkImages("query", t.Query, t.QueryLabels, t.Way, want)
	}
	return nil
}

// checkImages checks that x is N×C×H×W with N ≥ 1 and [C H W] = want (any
// positive C, H, W if want is zero), with a label in [0, way) per image.
func checkImages(what string, x *tensor.Tensor, labels []int, way int, want [3]int) error {
	ok := x != nil && len(x.Shape) == 4 && x.Shape[0] >= 1
	if ok && want == ([3]int{}) {
		ok = x.Shape[1] >= 1 && x.Shape[2] >= 1 && x.Shape[3] >= 1
	} else if ok {
		ok = [3]int(x.Shape[1:]) == want
	}
	if !ok {
		var s []int
		if x != nil {
			s = x.Shape
		}
		if want == ([3]int{}) {
			return fmt.Errorf("task: %s images have shape %v, want [N C H W] with each ≥ 1", what, tensor.ShapeString(s))
		}
		return fmt.Errorf("task: %s images have shape %v, want [N %d %d %d] with N ≥ 1", what, tensor.ShapeString(s), want[0], want[1], want[2])
	}
	if len(labels) != x.Shape[0] {
		return fmt.Errorf("task: %d %s labels for %d images", len(labels), what, x.Shape[0])
	}
	for i, y := range labels {
		if y < 0 || y >= way {
			return fmt.Errorf("task: %s label %d of image %d is outside [0, %d)", what, y, i, way)
		}
	}
	return nil
}

// Metrics are the mean query loss and accuracy of a training step over its
// tasks.
type Metrics struct {
	Loss float64 // mean cross-entropy of the queries
	Acc  float64 // fraction of queries classified correctly
}

// Learner is a few-shot meta-learner. See the package documentation.
type Learner interface {
	// Params returns the meta-parameters, owned by the learner and updated
	// in place by Step.
	Params() *tensor.Set
	// Step takes one meta-training step on the tasks (a meta-batch; one
	// task for ProtoNet) and returns their mean query loss and accuracy.
	// It returns an error, and leaves the parameters and the optimizer
	// state unchanged, if a task is malformed or a loss or gradient is
	// NaN or Inf.
	Step(tasks []*Task) (Metrics, error)
	// Adapt returns a classifier for the classes of the support set of t
	// (its query set is ignored). It does not change the learner.
	Adapt(t *Task) (Classifier, error)
	// OptimState returns a copy of the outer optimizer's state (empty for
	// a learner without one); LoadOptimState restores it, all or nothing.
	OptimState() *tensor.Set
	LoadOptimState(s *tensor.Set) error
	// SetLR sets the outer learning rate (Reptile: the outer step size ε)
	// used by the following steps.
	SetLR(lr float64)
}

// Classifier gives class probabilities for query images after adaptation
// to a support set.
type Classifier interface {
	// Way returns the number of classes.
	Way() int
	// Probs returns the M×Way class probabilities of the M images x
	// (M×1×28×28). Row i depends only on image i and the support set, so
	// it equals the result for image i alone. The returned tensor is new.
	Probs(x *tensor.Tensor) (*tensor.Tensor, error)
}

// TransductiveClassifier is a Classifier that can also classify a batch of
// queries together, each layer's BatchNorm normalizing with the statistics
// of the whole batch (the transductive protocol of the MAML and Reptile
// papers). FOMAML's and Reptile's classifiers are; ProtoNet's, which
// normalizes with running statistics as its reference code evaluates, is
// not.
type TransductiveClassifier interface {
	Classifier
	TransductiveProbs(x *tensor.Tensor) (*tensor.Tensor, error)
}

// Protocol says how queries are classified in an evaluation.
type Protocol int

const (
	// OneAtATime classifies each query on its own (Classifier.Probs), as
	// the page classifies a drawing.
	OneAtATime Protocol = iota
	// Transductive classifies the queries of a task together, BatchNorm
	// normalizing with their batch statistics
	// (TransductiveClassifier.TransductiveProbs).
	Transductive
)

// String returns the name ParseProtocol reads.
func (p Protocol) String() string {
	switch p {
	case OneAtATime:
		return "one"
	case Transductive:
		return "transductive"
	}
	return fmt.Sprintf("Protocol(%d)", int(p))
}

// ParseProtocol returns the Protocol named s: "one" or "transductive".
func ParseProtocol(s string) (Protocol, error) {
	switch s {
	case "one":
		return OneAtATime, nil
	case "transductive":
		return Transductive, nil
	}
	return 0, fmt.Errorf("unknown protocol %q (want one or transductive)", s)
}

// StepsAdapter is a Learner that adapts by inner gradient steps (FOMAML,
// Reptile) and can be asked for another number of them than its own:
// AdaptSteps(t, 0) classifies with the meta-learned weights as they are,
// which is what the inner loop starts from.
type StepsAdapter interface {
	Learner
	AdaptSteps(t *Task, steps int) (Classifier, error)
}

// Accuracy adapts l to the support set of t and returns the fraction of
// t's queries whose most probable class is their label.
func Accuracy(l Learner, t *Task) (float64, error) {
	return AccuracyOf(l, t, OneAtATime)
}

// AccuracyBefore returns the query accuracy of t before any adaptation
// (StepsAdapter.AdaptSteps with 0 steps), one query at a time.
func AccuracyBefore(l StepsAdapter, t *Task) (float64, error) {
	return AccuracyOf(stepsLearner{l, 0}, t, OneAtATime)
}

// stepsLearner is a StepsAdapter whose Adapt takes a fixed number of steps.
type stepsLearner struct {
	StepsAdapter
	steps int
}

func (s stepsLearner) Adapt(t *Task) (Classifier, error) { return s.AdaptSteps(t, s.steps) }

// AccuracyOf is Accuracy with the queries classified by protocol p. It
// returns an error for Transductive if l's classifier has no transductive
// form.
func AccuracyOf(l Learner, t *Task, p Protocol) (float64, error) {
	if err := t.Check(); err != nil {
		return 0, err
	}
	if t.Query == nil {
		return 0, fmt.Errorf("task: no query set")
	}
	c, err := l.Adapt(t)
	if err != nil {
		return 0, err
	}
	return ClassifierAccuracy(c, t, p)
}

// Predictor is a classifier whose answer is not always the most probable
// of the task's classes: core/mann's with string labels answers a string,
// right only when all five characters are, and −1 when it is no class's.
// Predict returns the answer for each image of x.
type Predictor interface {
	Predict(x *tensor.Tensor) ([]int, error)
}

// PredictorAccuracy returns the fraction of t's queries whose answer from
// c's own Predict, one query at a time, is their label (ClassifierAccuracy
// takes the most probable class instead).
func PredictorAccuracy(c Predictor, t *Task) (float64, error) {
	if t.Query == nil {
		return 0, fmt.Errorf("task: no query set")
	}
	pred, err := c.Predict(t.Query)
	if err != nil {
		return 0, err
	}
	right := 0
	for i, y := range t.QueryLabels {
		if pred[i] == y {
			right++
		}
	}
	return float64(right) / float64(len(t.QueryLabels)), nil
}

// ClassifierAccuracy returns the fraction of t's queries that c, a
// classifier already adapted to t's support set, gives their label, the
// queries classified by protocol p. One adaptation can so be scored under
// both protocols (the training monitor does). It returns an error for
// Transductive if c has no transductive form.
func ClassifierAccuracy(c Classifier, t *Task, p Protocol) (float64, error) {
	if t.Query == nil {
		return 0, fmt.Errorf("task: no query set")
	}
	var (
		probs *tensor.Tensor
		err   error
	)
	switch p {
	case OneAtATime:
		probs, err = c.Probs(t.Query)
	case Transductive:
		tc, ok := c.(TransductiveClassifier)
		if !ok {
			return 0, fmt.Errorf("this learner has no transductive protocol (its BatchNorm uses running statistics)")
		}
		probs, err = tc.TransductiveProbs(t.Query)
	default:
		return 0, fmt.Errorf("unknown protocol %v", p)
	}
	if err != nil {
		return 0, err
	}
	correct := 0
	for i, y := range t.QueryLabels {
		if Argmax(probs.Data[i*t.Way:(i+1)*t.Way]) == y {
			correct++
		}
	}
	return float64(correct) / float64(len(t.QueryLabels)), nil
}

// Argmax returns the index of the largest element of x (the first on ties),
// or -1 for an empty x.
func Argmax(x []float32) int {
	best := -1
	for i, v := range x {
		if best < 0 || v > x[best] {
			best = i
		}
	}
	return best
}

// Softmax sets each row of p (n×c) to the softmax of the same row of
// logits; p may alias logits. It subtracts the row maximum first.
func Softmax(p, logits []float32, n, c int) {
	for i := 0; i < n; i++ {
		row, out := logits[i*c:(i+1)*c], p[i*c:(i+1)*c]
		mx := row[Argmax(row)]
		var z float64
		for j, v := range row {
			e := math.Exp(float64(v - mx))
			out[j] = float32(e)
			z += e
		}
		for j := range out {
			out[j] = float32(float64(out[j]) / z)
		}
	}
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// CheckLoss returns an error if loss is NaN or infinite: the signal for a
// training loop to stop.
func CheckLoss(loss float64) error {
	if !finite(loss) {
		return fmt.Errorf("loss is %v: training diverged (try a lower learning rate)", loss)
	}
	return nil
}
