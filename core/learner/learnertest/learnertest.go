// Package learnertest is the test suite every learner.Learner runs
// (ProtoNet, first-order MAML, Reptile): one table of properties, one line
// per implementation in its package's tests, like gonum's testblas.
package learnertest

import (
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Factory returns a fresh learner whose parameters are drawn from rng, for
// tasks of the given number of classes.
type Factory func(rng *rand.Rand, way int) (learner.Learner, error)

// Run runs every test of the suite on the learners that f makes.
func Run(t *testing.T, f Factory) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, Factory)
	}{
		{"LearnsATask", learnsATask},
		{"QueriesIndependent", queriesIndependent},
		{"ProbsAreDistributions", probsAreDistributions},
		{"AdaptLeavesParams", adaptLeavesParams},
		{"NonFiniteStopsAndChangesNothing", nonFiniteStops},
		{"MalformedTask", malformedTask},
		{"ResumeIsExact", resumeIsExact},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, f) })
	}
}

// Task returns a synthetic way-way task with shot support and query query
// images per class, class-major: class k is a bar at a class-specific
// orientation and place, drawn with random jitter and noise from rng, so a
// learner can tell the classes apart after a few steps.
func Task(rng *rand.Rand, way, shot, query int) *learner.Task {
	t := &learner.Task{Way: way, Support: tensor.New(way*shot, 1, 28, 28), Query: tensor.New(way*query, 1, 28, 28)}
	for k := range way {
		for s := range shot {
			drawClass(rng, t.Support.Data[(k*shot+s)*784:][:784], k)
			t.SupportLabels = append(t.SupportLabels, k)
		}
	}
	for k := range way {
		for q := range query {
			drawClass(rng, t.Query.Data[(k*query+q)*784:][:784], k)
			t.QueryLabels = append(t.QueryLabels, k)
		}
	}
	return t
}

func drawClass(rng *rand.Rand, img []float32, k int) {
	pos := 4 + 5*(k%4) + rng.IntN(3) - 1
	for i := 3; i < 25; i++ {
		var r, c int
		if k/4%2 == 0 {
			r, c = i, pos // vertical bar
		} else {
			r, c = pos, i // horizontal bar
		}
		img[r*28+c], img[r*28+c+1] = 1, 1
	}
	for i := range img {
		img[i] += float32(rng.Float64() * 0.1)
	}
}

func newLearner(t *testing.T, f Factory, seed uint64, way int) learner.Learner {
	t.Helper()
	l, err := f(rand.New(rand.NewPCG(seed, 1)), way)
	if err != nil {
		t.Fatalf("new learner: %v", err)
	}
	return l
}

// learnsATask: repeated steps on one task lower its query loss (after
// adaptation, for the learners that adapt), and the learner still
// classifies the queries of a fresh task of the same kind well.
func learnsATask(t *testing.T, f Factory) {
	l := newLearner(t, f, 1, 2)
	rng := rand.New(rand.NewPCG(2, 2))
	task := Task(rng, 2, 2, 3)
	var first, last learner.Metrics
	const steps = 8
	for i := range steps {
		m, err := l.Step([]*learner.Task{task})
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if i == 0 {
			first = m
		}
		last = m
	}
	if !(last.Loss < first.Loss) || last.Acc < first.Acc {
		t.Errorf("query loss went from %.4f to %.4f and accuracy from %.2f to %.2f after %d steps on one task, want lower loss and no lower accuracy", first.Loss, last.Loss, first.Acc, last.Acc, steps)
	}
	acc, err := learner.Accuracy(l, Task(rng, 2, 2, 5))
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.8 {
		t.Errorf("accuracy %.2f on a fresh task after %d steps, want ≥ 0.8", acc, steps)
	}
}

// queriesIndependent: the probabilities of a query are the same whether
// it is classified alone or in a batch with others.
func queriesIndependent(t *testing.T, f Factory) {
	l := newLearner(t, f, 3, 4)
	rng := rand.New(rand.NewPCG(4, 4))
	if _, err := l.Step([]*learner.Task{Task(rng, 4, 2, 2)}); err != nil {
		t.Fatal(err)
	}
	task := Task(rng, 4, 2, 3)
	c, err := l.Adapt(task)
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.Probs(task.Query)
	if err != nil {
		t.Fatal(err)
	}
	for i := range task.Query.Shape[0] {
		one, err := c.Probs(tensor.FromData(task.Query.Data[i*784:(i+1)*784], 1, 1, 28, 28))
		if err != nil {
			t.Fatal(err)
		}
		for k := range 4 {
			if d := math.Abs(float64(one.Data[k] - all.Data[i*4+k])); d > 1e-5 {
				t.Fatalf("query %d class %d: alone %v, in a batch %v", i, k, one.Data[k], all.Data[i*4+k])
			}
		}
	}
}

func probsAreDistributions(t *testing.T, f Factory) {
	l := newLearner(t, f, 5, 5)
	task := Task(rand.New(rand.NewPCG(6, 6)), 5, 1, 2)
	c, err := l.Adapt(task)
	if err != nil {
		t.Fatal(err)
	}
	if c.Way() != 5 {
		t.Fatalf("Way() = %d, want 5", c.Way())
	}
	p, err := c.Probs(task.Query)
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(p.Shape, []int{10, 5}) {
		t.Fatalf("Probs shape %v, want [10 5]", p.Shape)
	}
	for i := range 10 {
		var s float64
		for _, v := range p.Data[i*5 : (i+1)*5] {
			if v < 0 || v > 1 {
				t.Fatalf("row %d holds %v", i, v)
			}
			s += float64(v)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Errorf("row %d sums to %v", i, s)
		}
	}
}

func adaptLeavesParams(t *testing.T, f Factory) {
	l := newLearner(t, f, 7, 3)
	before := l.Params().Clone()
	if _, err := l.Adapt(Task(rand.New(rand.NewPCG(8, 8)), 3, 2, 1)); err != nil {
		t.Fatal(err)
	}
	equalSets(t, "after Adapt", l.Params(), before)
}

// nonFiniteStops: a NaN in the last task of a meta-batch makes Step fail
// with an error, and nothing changes (parameters, running statistics,
// optimizer state).
func nonFiniteStops(t *testing.T, f Factory) {
	l := newLearner(t, f, 9, 2)
	rng := rand.New(rand.NewPCG(10, 10))
	if _, err := l.Step([]*learner.Task{Task(rng, 2, 2, 2)}); err != nil {
		t.Fatal(err)
	}
	params, state := l.Params().Clone(), l.OptimState()
	bad := Task(rng, 2, 2, 2)
	bad.Query.Data[5] = float32(math.NaN())
	if _, err := l.Step([]*learner.Task{Task(rng, 2, 2, 2), bad}); err == nil {
		t.Fatal("Step with a NaN query image succeeded")
	}
	equalSets(t, "after a failed step", l.Params(), params)
	equalSets(t, "optimizer state after a failed step", l.OptimState(), state)
}

func malformedTask(t *testing.T, f Factory) {
	l := newLearner(t, f, 11, 2)
	rng := rand.New(rand.NewPCG(12, 12))
	bad := Task(rng, 2, 1, 1)
	bad.SupportLabels[0] = 2
	if _, err := l.Step([]*learner.Task{bad}); err == nil {
		t.Error("Step with a label outside [0, way) succeeded")
	}
	if _, err := l.Adapt(bad); err == nil {
		t.Error("Adapt with a label outside [0, way) succeeded")
	}
	if _, err := l.Step(nil); err == nil {
		t.Error("Step on no tasks succeeded")
	}
}

// resumeIsExact: a learner rebuilt from the parameters and optimizer state
// after a step continues exactly as the original: what a checkpoint relies
// on.
func resumeIsExact(t *testing.T, f Factory) {
	rng := rand.New(rand.NewPCG(13, 13))
	t1, t2 := Task(rng, 2, 2, 2), Task(rng, 2, 2, 2)
	a := newLearner(t, f, 14, 2)
	if _, err := a.Step([]*learner.Task{t1}); err != nil {
		t.Fatal(err)
	}
	params, state := a.Params().Clone(), a.OptimState()
	if _, err := a.Step([]*learner.Task{t2}); err != nil {
		t.Fatal(err)
	}
	b := newLearner(t, f, 99, 2)
	if err := b.Params().CopyFrom(params); err != nil {
		t.Fatal(err)
	}
	if err := b.LoadOptimState(state); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Step([]*learner.Task{t2}); err != nil {
		t.Fatal(err)
	}
	equalSets(t, "resumed", b.Params(), a.Params())
}

func equalSets(t *testing.T, what string, got, want *tensor.Set) {
	t.Helper()
	if err := got.Match(want); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for i := range want.Len() {
		n, w := want.At(i)
		g := got.Get(n)
		for j := range w.Data {
			if g.Data[j] != w.Data[j] && !(w.Data[j] != w.Data[j] && g.Data[j] != g.Data[j]) {
				t.Fatalf("%s: %s[%d] = %v, want %v", what, n, j, g.Data[j], w.Data[j])
			}
		}
	}
}

// LearnRunningStats sets the BatchNorm running statistics of the Conv4 in p
// as training would: twenty training-mode passes over synthetic tasks drawn
// from rng. It stands in for the ProtoNet that a learner with
// learner.RunningBN starts from.
func LearnRunningStats(rng *rand.Rand, p *tensor.Set) error {
	conv := nn.NewConv4(nil)
	for range 20 {
		if _, err := conv.Forward(p, Task(rng, 4, 2, 1).Support, true); err != nil {
			return err
		}
	}
	return nil
}
