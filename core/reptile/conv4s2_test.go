package reptile

import (
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/nn"
)

// TestConv4S2 runs Reptile on the stride-2 network (Config.Net "conv4s2"):
// the shared suite with the papers' transductive BatchNorm, the same
// parameters for any number of workers, a first step that differs from
// Conv4's on the same weights and task (the net is used, not ignored),
// and an unknown net refused by name.
func TestConv4S2(t *testing.T) {
	t.Run("SuiteTransductiveBN", func(t *testing.T) {
		learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
			return New(learner.Conv4S2.NewHeadNetParams(rng, way), Config{InnerLR: 0.1, InnerSteps: 3, AdaptSteps: 5, BN: learner.TransductiveBN, Net: "conv4s2"})
		})
	})
	t.Run("SameForAnyWorkers", func(t *testing.T) {
		learnertest.SameForAnyWorkers(t, func(rng *rand.Rand, par nn.Parallel) (learner.Learner, error) {
			return New(learner.Conv4S2.NewHeadNetParams(rng, 3), Config{InnerLR: 0.1, InnerSteps: 2, Net: "conv4s2", Par: par})
		})
	})
	t.Run("DiffersFromConv4", func(t *testing.T) {
		// The head's width differs, so each net draws its own head after
		// the same backbone weights.
		loss := map[string]float64{}
		for _, net := range []string{"conv4", "conv4s2"} {
			rng := rand.New(rand.NewPCG(5, 5))
			n, _ := learner.NetNamed(net)
			l, err := New(n.NewHeadNetParams(rng, 3), Config{InnerLR: 0.1, Net: net})
			if err != nil {
				t.Fatal(err)
			}
			m, err := l.Step([]*learner.Task{learnertest.Task(rng, 3, 1, 2)})
			if err != nil {
				t.Fatal(err)
			}
			loss[net] = m.Loss
		}
		if loss["conv4"] == loss["conv4s2"] {
			t.Errorf("the same weights and task give the query loss %v on either network", loss["conv4"])
		}
	})
	t.Run("UnknownNet", func(t *testing.T) {
		_, err := New(learner.NewHeadNetParams(rand.New(rand.NewPCG(1, 1)), 3), Config{Net: "conv6"})
		if err == nil || !strings.Contains(err.Error(), `"conv6"`) {
			t.Errorf("Net conv6: error %v, want one naming it", err)
		}
	})
	t.Run("HeadOfConv4", func(t *testing.T) {
		// A 64-input head is Conv4's: refused on conv4s2, whatever its weights.
		_, err := New(learner.NewHeadNetParams(rand.New(rand.NewPCG(1, 1)), 3), Config{Net: "conv4s2"})
		if err == nil || !strings.Contains(err.Error(), "256") {
			t.Errorf("a Conv4 head on conv4s2: error %v, want one naming the width 256", err)
		}
	})
}
