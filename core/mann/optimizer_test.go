package mann

import (
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
)

// TestLearnerSuiteRMSProp runs the shared suite (learning a task,
// checkpoint and resume, errors that change nothing) on a small MANN
// trained with RMSProp, Santoro et al.'s optimizer.
func TestLearnerSuiteRMSProp(t *testing.T) {
	cfg := smallConfig
	cfg.Optimizer, cfg.LR = RMSProp, 1e-3
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		return New(NewParams(cfg, rng), cfg)
	})
}

// TestOptimizerSetting: the registry's "optimizer" setting applies to
// mann only and takes adam or rmsprop; rmsprop gives a learner whose
// state is RMSProp's (mean squares and momentum, no Adam moments), whose
// training step allocates nothing, and whose steps differ from Adam's.
func TestOptimizerSetting(t *testing.T) {
	c := Spec.Defaults
	c.Shot, c.MetaBatch, c.Optimizer = 2, 2, "rmsprop"
	if err := algo.Check(c); err != nil {
		t.Fatal(err)
	}
	p := Spec.NewParams(c, rand.New(rand.NewPCG(1, 1)))
	ln, err := Spec.New(c, p.Clone(), nil)
	if err != nil {
		t.Fatal(err)
	}
	l := ln.(*Learner)
	if l.Config().Optimizer != RMSProp {
		t.Fatalf("registry's rmsprop MANN: optimizer %v", l.Config().Optimizer)
	}
	st := l.OptimState()
	if st.Get("rmsprop.square_avg."+nameWo) == nil || st.Get("rmsprop.momentum."+nameWo) == nil || st.Get("adam.m."+nameWo) != nil {
		t.Errorf("rmsprop MANN's optimizer state has the wrong tensors (%d of them)", st.Len())
	}
	rng := rand.New(rand.NewPCG(3, 4))
	tasks := []*learner.Task{learnertest.Task(rng, 5, 2, 1), learnertest.Task(rng, 5, 2, 1)}
	if _, err := l.Step(tasks); err != nil {
		t.Fatal(err)
	}
	if allocs := testing.AllocsPerRun(3, func() {
		if _, err := l.Step(tasks); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("an RMSProp training step allocates %v times, want 0", allocs)
	}
	c.Optimizer = ""
	adam, err := Spec.New(c, p.Clone(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adam.Step(tasks); err != nil {
		t.Fatal(err)
	}
	if _, err := adam.Step(tasks); err != nil {
		t.Fatal(err)
	}
	a, r := adam.Params().Get(nameWo).Data, l.Params().Get(nameWo).Data
	same := true
	for i := range a {
		same = same && a[i] == r[i]
	}
	if same {
		t.Error("two steps of Adam and of RMSProp from the same weights gave the same output layer")
	}
	if err := adam.(*Learner).LoadOptimState(l.OptimState()); err == nil {
		t.Error("an Adam learner loaded an RMSProp state")
	}

	c.Optimizer = "sgd"
	if err := algo.Check(c); err == nil || err.Error() != `-optimizer "sgd": want adam or rmsprop` {
		t.Errorf("Check(optimizer sgd) = %v", err)
	}
	if _, err := ParseOptimizer("sgd"); err == nil {
		t.Error("ParseOptimizer accepted sgd")
	}
	pn, _ := algo.Lookup("protonet")
	pc := pn.Defaults
	pc.Optimizer = "rmsprop"
	if err := algo.Check(pc); err == nil || !strings.Contains(err.Error(), "protonet does not use it") {
		t.Errorf("Check(protonet optimizer rmsprop) = %v", err)
	}
}
