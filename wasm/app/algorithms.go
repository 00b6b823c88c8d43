package app

import (
	"math/rand/v2"
	"slices"
	"sync"

	"metaglot/core/algo"
	_ "metaglot/core/algo/all" // every algorithm registers itself
	"metaglot/core/nn"
)

// Algorithms returns the registered algorithms (core/algo) the page can
// classify with, in menu order: those that adapt a network with a head by
// inner steps at test time (classify.FineTuner: FOMAML, Reptile), and
// those whose model is a Conv4 embedding alone, which classify by the
// nearest prototype (classify.ProtoNet). The others (a model of another
// shape) can be trained in the Train view but not used here.
//
// The first call draws a fresh model of every algorithm that does not
// adapt, to see its parameters (about 90 ms in a browser for ProtoNet and
// MANN), so the page calls it once the first view is up; the result is
// kept.
func Algorithms() []algo.Spec {
	classifiable.once.Do(func() {
		for _, s := range algo.All() {
			if s.Caps.Adapts || isConv4(s) {
				classifiable.specs = append(classifiable.specs, s)
			}
		}
	})
	return slices.Clone(classifiable.specs)
}

var classifiable struct {
	once  sync.Once
	specs []algo.Spec
}

// isConv4 reports whether s's model is a Conv4 embedding alone.
func isConv4(s algo.Spec) bool {
	if s.Caps.LearnedHead {
		return false
	}
	return slices.Equal(s.NewParams(s.Quick, rand.New(rand.NewPCG(0, 0))).Names(), nn.Conv4Names())
}

// AlgorithmLabel returns the menu label of the registered algorithm
// named a ("FOMAML"), or a itself when no such algorithm is registered.
func AlgorithmLabel(a string) string {
	if s, err := algo.Lookup(a); err == nil {
		return s.Label
	}
	return a
}

// classifiesWith returns the registered algorithm named a if the page can
// classify with it.
func classifiesWith(a string) (algo.Spec, bool) {
	for _, s := range Algorithms() {
		if s.Name == a {
			return s, true
		}
	}
	return algo.Spec{}, false
}
