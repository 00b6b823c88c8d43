package maml

import (
	"math/rand/v2"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/nn"
)

// The shared suite with the registered settings, plain and with the
// prototype head, runs in core/algo/all over every registered algorithm.

func TestLearnerSuiteRunningBN(t *testing.T) {
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		p := learner.NewHeadNetParams(rng, way)
		if err := learnertest.LearnRunningStats(rng, p); err != nil {
			return nil, err
		}
		return New(p, Config{InnerLR: 0.1, InnerSteps: 2, AdaptSteps: 5, BN: learner.RunningBN})
	})
}

// Without batch statistics nothing rescales the activations after a step,
// and the prototype head's logits grow with the square of the embeddings:
// inner steps must be far smaller (the bundled model adapts with 0.003).
func TestLearnerSuiteProtoHeadRunningBN(t *testing.T) {
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		p := nn.NewConv4Params(rng)
		if err := learnertest.LearnRunningStats(rng, p); err != nil {
			return nil, err
		}
		return New(p, Config{InnerLR: 0.01, InnerSteps: 2, AdaptSteps: 5, ProtoHead: true, BN: learner.RunningBN})
	})
}

// With RunningBN, meta-training moves the weights but never the running
// statistics it started from.
func TestRunningBNKeepsStatistics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	p := nn.NewConv4Params(rng)
	if err := learnertest.LearnRunningStats(rng, p); err != nil {
		t.Fatal(err)
	}
	before := p.Clone()
	l, err := New(p, Config{ProtoHead: true, BN: learner.RunningBN})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Step([]*learner.Task{learnertest.Task(rng, 3, 2, 2), learnertest.Task(rng, 3, 1, 2)}); err != nil {
		t.Fatal(err)
	}
	moved := false
	for i := range p.Len() {
		name, got := p.At(i)
		want := before.Get(name)
		same := true
		for j := range want.Data {
			same = same && got.Data[j] == want.Data[j]
		}
		switch {
		case nn.IsBuffer(name) && !same:
			t.Errorf("%s changed", name)
		case !nn.IsBuffer(name) && !same:
			moved = true
		}
	}
	if !moved {
		t.Error("no weight moved")
	}
}

func TestUnknownBN(t *testing.T) {
	if _, err := New(nn.NewConv4Params(rand.New(rand.NewPCG(1, 1))), Config{ProtoHead: true, BN: 7}); err == nil {
		t.Error("New accepted BatchNorm statistics 7")
	}
}

func TestNoAdapt(t *testing.T) {
	learnertest.NoAdaptTakesNoStep(t, func(rng *rand.Rand, steps int, lr float64) (learner.Learner, error) {
		return New(learner.NewHeadNetParams(rng, 3), Config{InnerLR: lr, AdaptSteps: steps})
	})
}

func TestSameForAnyWorkers(t *testing.T) {
	learnertest.SameForAnyWorkers(t, func(rng *rand.Rand, par nn.Parallel) (learner.Learner, error) {
		return New(learner.NewHeadNetParams(rng, 3), Config{InnerLR: 0.1, InnerSteps: 2, Par: par})
	})
	learnertest.SameForAnyWorkers(t, func(rng *rand.Rand, par nn.Parallel) (learner.Learner, error) {
		return New(nn.NewConv4Params(rng), Config{InnerLR: 0.1, ProtoHead: true, Par: par})
	})
}

func TestLearnerSuiteTransductiveBN(t *testing.T) {
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		return New(learner.NewHeadNetParams(rng, way), Config{InnerLR: 0.1, InnerSteps: 2, AdaptSteps: 5, BN: learner.TransductiveBN})
	})
}

// TestTransductiveQueryLoss: with TransductiveBN the query loss a step
// reports is the loss under the queries' own batch statistics, which
// differs from the loss under the support's (SupportBN) from the same
// start; the adaptation, on the support's statistics, is the same.
func TestTransductiveQueryLoss(t *testing.T) {
	losses := map[learner.BN]float64{}
	for _, bn := range []learner.BN{learner.SupportBN, learner.TransductiveBN} {
		rng := rand.New(rand.NewPCG(3, 3))
		l, err := New(learner.NewHeadNetParams(rng, 3), Config{InnerLR: 0.1, BN: bn})
		if err != nil {
			t.Fatal(err)
		}
		m, err := l.Step([]*learner.Task{learnertest.Task(rng, 3, 1, 4)})
		if err != nil {
			t.Fatal(err)
		}
		losses[bn] = m.Loss
	}
	if losses[learner.SupportBN] == losses[learner.TransductiveBN] {
		t.Errorf("the query loss is %v under either statistics", losses[learner.SupportBN])
	}
}
